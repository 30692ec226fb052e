export { changePassword } from "./change-password";
export { getAccount } from "./get";
export { renameAccount } from "./rename";
export { listSessions, revokeOtherSessions, revokeSession } from "./sessions";
export * from "./schemas";
