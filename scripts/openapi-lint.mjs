// `npm run lint:openapi`: starts Echo the way `npm start` does (fresh local state), reads the served
// /api/openapi.json and lints it with Redocly's "recommended" rules, with a summary and an
// operationId required on every operation (issue 22). Prints every problem; exits 1 on an error.
// The browser project runs the same lint in e2e/openapi.test.ts, so CI fails on a regression.
import { createConfig, lintFromString } from "@redocly/openapi-core";

/** Redocly's recommended ruleset with the rules issue 22 names made errors. */
/** @type {import("@redocly/openapi-core").RawUniversalConfig} */
export const OPENAPI_RULES = {
  extends: ["recommended"],
  rules: {
    "operation-operationId": "error",
    "operation-summary": "error",
    "security-defined": "error",
    "no-empty-servers": "error",
    "operation-operationId-unique": "error",
    "operation-operationId-url-safe": "error",
    // Echo's API is a product API, not published under a licence
    "info-license": "off",
  },
};

/** Lints an OpenAPI document (object); returns Redocly's problems, each { ruleId, severity, message, location }. */
export async function lintOpenApi(doc) {
  const config = await createConfig(OPENAPI_RULES);
  return lintFromString({ source: JSON.stringify(doc), absoluteRef: "openapi.json", config });
}

/** One line per problem: severity, rule, JSON pointer, message. */
export function describeProblems(problems) {
  return problems.map((p) => `${p.severity} ${p.ruleId} ${p.location?.[0]?.pointer ?? ""} — ${p.message}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { startLocal } = await import("./local-server.mjs");
  const port = 8899 + Number(process.env.ECHO_PORT_OFFSET ?? 0);
  const persistTo = mkdtempSync(join(tmpdir(), "echo-openapi-"));
  const server = await startLocal({ port, persistTo, quiet: true });
  let code = 0;
  try {
    const doc = await (await fetch(`${server.origin}/api/openapi.json`)).json();
    const problems = await lintOpenApi(doc);
    const ops = Object.values(doc.paths ?? {}).flatMap((p) => Object.keys(p).filter((m) => m !== "parameters"));
    for (const line of describeProblems(problems)) console.log(line);
    const errors = problems.filter((p) => p.severity === "error").length;
    console.log(
      `openapi lint (Redocly recommended + operationId/summary): ${Object.keys(doc.paths ?? {}).length} paths, ${ops.length} operations, ${errors} errors, ${problems.length - errors} warnings`,
    );
    code = errors > 0 ? 1 : 0;
  } finally {
    await server.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
  process.exit(code);
}
