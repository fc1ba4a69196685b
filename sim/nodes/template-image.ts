import type Database from "better-sqlite3";

// A fresh process starts from an empty, fully migrated database. Migrating is
// the same work every time, so each kind of database is migrated once per
// thread and later ones open from that image.
const images = new Map<string, Buffer>();

export function freshImage(kind: string, open: () => Database.Database): Buffer {
  let image = images.get(kind);
  if (!image) {
    const db = open();
    image = db.serialize();
    db.close();
    images.set(kind, image);
  }
  return image;
}
