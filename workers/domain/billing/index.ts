export * from "./plans";
export * from "./entitlement";
export * from "./may-tenant";
export * from "./usage";
export * from "./report-usage";
export * from "./prices";
export * from "./notices";
export * from "./channel-usage";
