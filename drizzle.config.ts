import { defineConfig } from "drizzle-kit";
// `npx drizzle-kit generate` writes the SQL for schema changes; copy it into migrations/NNNN_name.sql.
export default defineConfig({ dialect: "sqlite", schema: "./workers/storage/schema/index.ts", out: "./.drizzle" });
