/**
 * Import rules (CONVENTIONS.md §1): imports point one way and nothing forms a cycle.
 * `npm run lint:imports` runs this; CI fails on any violation.
 */
/**
 * Test files exercise the whole system through its entry points (compose.ts, rooms' test clients),
 * so the direction rules apply to production code only; cycles are forbidden everywhere.
 */
const TESTS = ["\\.test\\.tsx?$", "^workers/test/"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "A cycle means two modules can no longer be understood, tested or changed apart.",
      from: {},
      to: { circular: true },
    },
    {
      name: "contracts-stand-alone",
      severity: "error",
      comment:
        "workers/contracts is the wire and port contract: it imports nothing at runtime from the rest of workers.",
      from: { path: "^workers/contracts/" },
      to: { path: "^workers/", pathNot: "^workers/contracts/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "domain-not-outward",
      severity: "error",
      comment: "domain/ reaches rooms, hubs and providers through the ports on its ctx, never the shells.",
      from: { path: "^workers/domain/", pathNot: TESTS },
      to: {
        path: [
          "^workers/rooms/",
          "^workers/routes/",
          "^workers/app\\.ts$",
          "^workers/compose\\.ts$",
          "^workers/queue\\.ts$",
          "^workers/index\\.ts$",
        ],
      },
    },
    {
      name: "storage-lib-not-domain",
      severity: "error",
      comment: "storage/ and lib/ sit below domain/.",
      from: { path: ["^workers/storage/", "^workers/lib/"], pathNot: TESTS },
      to: { path: "^workers/domain/" },
    },
    {
      name: "ui-types-only-from-contracts",
      severity: "error",
      comment: "The widget and dashboard bundles carry no server code: only `import type` from workers/contracts.",
      from: { path: ["^widget/", "^dashboard/"] },
      to: { path: "^workers/", pathNot: "^workers/contracts/" },
    },
    {
      name: "ui-no-runtime-contracts",
      severity: "error",
      comment: "Even from contracts, the widget and dashboard take types only (no zod in their bundles).",
      from: { path: ["^widget/", "^dashboard/"] },
      to: { path: "^workers/contracts/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-env-outside-root",
      severity: "error",
      comment: "Only the composition root (and the entry points it serves) read env via env.ts.",
      from: {
        path: "^workers/",
        pathNot: ["^workers/(compose|env|app|index|queue)\\.ts$", "\\.test\\.ts$", "^workers/test/"],
      },
      to: { path: "^workers/env\\.ts$", dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["node_modules", "\\.d\\.ts$"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
