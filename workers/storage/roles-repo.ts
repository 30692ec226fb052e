import { and, asc, eq } from "drizzle-orm";
import type { Db } from "./db";
import { roles, type CustomRoleRow } from "./schema";

/** Custom roles of a workspace; every read and write carries the tenant in the same WHERE as the id. */
export const rolesRepo = (db: Db) => ({
  list: (tenantId: string) =>
    db.select().from(roles).where(eq(roles.tenantId, tenantId)).orderBy(asc(roles.name)).all(),
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(roles)
      .where(and(eq(roles.tenantId, tenantId), eq(roles.id, id)))
      .get(),
  byName: (tenantId: string, name: string) =>
    db
      .select()
      .from(roles)
      .where(and(eq(roles.tenantId, tenantId), eq(roles.name, name)))
      .get(),
  insert: (row: CustomRoleRow) => db.insert(roles).values(row).returning().get(),
  update: (tenantId: string, id: string, set: Pick<CustomRoleRow, "name" | "permissions" | "updatedAt">) =>
    db
      .update(roles)
      .set(set)
      .where(and(eq(roles.tenantId, tenantId), eq(roles.id, id)))
      .returning()
      .get(),
  delete: (tenantId: string, id: string) =>
    db
      .delete(roles)
      .where(and(eq(roles.tenantId, tenantId), eq(roles.id, id)))
      .returning()
      .get(),
});
