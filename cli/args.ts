// A small declarative flag parser: every command lists its flags, and anything
// unknown or malformed is a UsageError (exit code 2) that names the flag.

export class UsageError extends Error {
  readonly code = "usage";
}

type Kind = "string" | "int" | "bool" | "duration";

export interface FlagSpec {
  name: string;
  kind: Kind;
  description: string;
  /** Placeholder shown in help, e.g. "N". */
  value?: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  required?: boolean;
  default?: string | number | boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  flags: readonly FlagSpec[];
  /** Bare arguments the command takes (e.g. directories), collected under `_`. */
  positional?: { name: string; description: string; min: number };
  /** Extra lines after the flag list: examples, exit codes. */
  notes?: readonly string[];
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

/** "90s", "2m", "1500ms" or a bare number of seconds, as milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = match[2] ?? "s";
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as "ms" | "s" | "m" | "h"]);
}

function convert(spec: FlagSpec, raw: string): string | number {
  const flag = `--${spec.name}`;
  if (spec.kind === "int") {
    if (!/^-?\d+$/.test(raw)) throw new UsageError(`${flag} expects a whole number, got '${raw}'`);
    const n = Number(raw);
    if (spec.min !== undefined && n < spec.min) throw new UsageError(`${flag} must be at least ${spec.min}, got ${n}`);
    if (spec.max !== undefined && n > spec.max) throw new UsageError(`${flag} must be at most ${spec.max}, got ${n}`);
    return n;
  }
  if (spec.kind === "duration") {
    const ms = parseDuration(raw);
    if (ms === undefined || ms <= 0) throw new UsageError(`${flag} expects a positive duration like 60s, 2m or 500ms, got '${raw}'`);
    return ms;
  }
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new UsageError(`${flag} must be one of ${spec.choices.join(", ")}; got '${raw}'`);
  }
  if (raw === "") throw new UsageError(`${flag} needs a value`);
  return raw;
}

/** The flags each parsed set of values was given on the command line, before defaults were filled in. */
const given = new WeakMap<FlagValues, ReadonlySet<string>>();

/** The flags given on the command line (not filled in from a default); empty for values built by hand. */
export function givenFlags(values: FlagValues): ReadonlySet<string> {
  return given.get(values) ?? new Set();
}

export function parseFlags(command: CommandSpec, argv: readonly string[]): FlagValues {
  const values: FlagValues = {};
  const byName = new Map(command.flags.map((f) => [f.name, f]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      if (!command.positional) throw new UsageError(`unexpected argument '${arg}'`);
      ((values._ ??= []) as string[]).push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    if (spec.kind === "bool") {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined || raw.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      i++;
    }
    values[name] = convert(spec, raw);
  }
  given.set(values, new Set(Object.keys(values).filter((k) => k !== "_")));
  const bare = command.positional;
  if (bare && ((values._ as string[] | undefined)?.length ?? 0) < bare.min) throw new UsageError(`give at least ${bare.min} ${bare.name} argument${bare.min === 1 ? "" : "s"}`);
  for (const spec of command.flags) {
    if (values[spec.name] !== undefined) continue;
    if (spec.required) throw new UsageError(`--${spec.name} is required`);
    if (spec.default !== undefined) values[spec.name] = spec.default;
  }
  return values;
}

export function helpText(command: CommandSpec): string {
  const rows = command.flags.map((f) => {
    const left = `  --${f.name}${f.kind === "bool" ? "" : ` ${f.value ?? (f.choices ? f.choices.join("|") : f.kind.toUpperCase())}`}`;
    const extras = [f.required ? "required" : undefined, f.default !== undefined && f.kind !== "bool" ? `default ${f.default}` : undefined].filter(Boolean);
    return `${left.padEnd(34)} ${f.description}${extras.length ? ` (${extras.join(", ")})` : ""}`;
  });
  const usage = command.positional ? ["", `Usage: replaysim ${command.name} ${command.positional.name}... [flags]`, `  ${command.positional.name}: ${command.positional.description}`] : [];
  return [`replaysim ${command.name}: ${command.summary}`, ...usage, "", "Flags:", ...rows, "  --help".padEnd(35) + "show this help", ...(command.notes ? ["", ...command.notes] : [])].join("\n");
}
