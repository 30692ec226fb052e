import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof build>;
const build = (d1: D1Database) => drizzle(d1, { schema });

/**
 * One Drizzle handle per D1 binding object: `drizzle(d1, { schema })` derives the relational config
 * of the whole schema on every call (0.4 ms in Node; 1.2 s of the Worker's CPU in a profile of
 * bench:chat's plain phase, where every request built one), and the handle holds nothing but the
 * binding and that config.
 */
const handles = new WeakMap<D1Database, Db>();
export function createDb(d1: D1Database): Db {
  let db = handles.get(d1);
  if (!db) handles.set(d1, (db = build(d1)));
  return db;
}
