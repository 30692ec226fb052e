export { changePassword } from "./change-password";
export { getAccount } from "./get";
export { renameAccount } from "./rename";
export { listSessions, revokeSession } from "./sessions";
export * from "./schemas";
