import type Database from "better-sqlite3";

/** A statement's SQL, or a function that prepares it (say, with `.pluck()`). */
export type StatementSource = string | ((db: Database.Database) => Database.Statement);

/**
 * Named statements, each prepared the first time it is used. A process that
 * restarts opens its database again and would otherwise prepare every
 * statement it might ever need; most runs use a few of them.
 */
export function lazyStatements<K extends string>(db: Database.Database, sources: Record<K, StatementSource>): Record<K, Database.Statement> {
  const out = {} as Record<K, Database.Statement>;
  for (const key of Object.keys(sources) as K[]) {
    Object.defineProperty(out, key, {
      configurable: true,
      enumerable: true,
      get() {
        const source = sources[key];
        const statement = typeof source === "string" ? db.prepare(source) : source(db);
        Object.defineProperty(out, key, { value: statement, enumerable: true });
        return statement;
      },
    });
  }
  return out;
}
