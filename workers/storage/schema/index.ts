// One file per area keeps parallel work apart; drizzle sees them all through this barrel.
export * from "./core";
export * from "./knowledge";
export * from "./conversations";
export * from "./voice";
export * from "./triage";
export * from "./auth-mail";
export * from "./compliance";
export * from "./sso";
export * from "./analytics";
export * from "./channels";
export * from "./billing";
export * from "./commerce";
