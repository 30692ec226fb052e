export { startWidgetSession, botForWidget, verifyIdentity } from "./start-session";
export {
  listConversations,
  getConversation,
  listMessages,
  exportTranscript,
  toConversationDto,
  toMessageDto,
} from "./read";
export { connectVisitor, connectOperator, connectInbox } from "./sockets";
export {
  requestUpload,
  storeUpload,
  readVisitorAttachment,
  readConversationAttachment,
  attachmentKey,
} from "./attachments";
export { verifyVisitorToken, signVisitorToken } from "./visitor-token";
export * from "./schemas";
