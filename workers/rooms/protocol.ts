/** The wire protocol lives in workers/contracts (imported by the widget and dashboard as types); kept here for existing imports. */
export * from "../contracts/protocol";
