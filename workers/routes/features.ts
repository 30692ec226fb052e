import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { askRoutes } from "./ask";
import { knowledgeRoutes } from "./knowledge";
import { providerRoutes } from "./providers";
import { appShellRoutes } from "./app-shell";
import { openAiRoutes } from "./openai-compat";
import { voiceRoutes } from "./voice";
import { voiceHookRoutes } from "./voice-hooks";
import { widgetRoutes } from "./widget-sessions";
import { conversationRoutes } from "./conversations";
import { inboxRoutes } from "./inbox";
import { ticketRoutes } from "./tickets";
import { categoryRoutes } from "./categories";
import { triageSettingsRoutes } from "./triage-settings";
import { triageConversationRoutes } from "./triage-conversations";
import { outboxRoutes } from "./outbox";
import { auditRoutes } from "./audit";
import { privacyRoutes } from "./privacy";
import { visitorRoutes } from "./visitors";
import { permissionRoutes } from "./permissions";
import { ssoAuthRoutes, ssoSettingsRoutes } from "./sso";
import { analyticsRoutes, businessHoursRoutes } from "./analytics";
import { channelRoutes } from "./channels";
import { whatsappHookRoutes } from "./whatsapp-hooks";
import { billingRoutes, stripeHookRoutes } from "./billing";
import { roleRoutes } from "./roles";
import { importRoutes } from "./imports";
import { conversationOrderRoutes, integrationRoutes } from "./integrations";
import { commerceHookRoutes } from "./commerce-hooks";
import { callRoutes } from "./calls";
import { accountRoutes } from "./account";
import { workspaceRoutes } from "./workspace";

/**
 * Feature areas mount their routers here, one line each, so parallel work on separate areas does
 * not collide in app.ts.
 */

export function mountFeatureRoutes(app: OpenAPIHono<AppEnv>) {
  app.route("/api/knowledge", knowledgeRoutes);
  app.route("/api/bots", askRoutes);
  app.route("/api/settings/providers", providerRoutes);
  app.route("/api/settings/sso", ssoSettingsRoutes);
  app.route("/api/auth/sso", ssoAuthRoutes);
  app.route("/app", appShellRoutes);
  app.route("/api/voice", voiceRoutes);
  app.route("/api/calls", callRoutes);
  app.route("/v1", openAiRoutes);
  app.route("/hooks/voice", voiceHookRoutes);
  app.route("/api/widget", widgetRoutes);
  app.route("/api/conversations", conversationRoutes);
  app.route("/api/inbox", inboxRoutes);
  app.route("/api/tickets", ticketRoutes);
  app.route("/api/categories", categoryRoutes);
  app.route("/api/triage", triageSettingsRoutes);
  app.route("/api/conversations", triageConversationRoutes);
  app.route("/api/outbox", outboxRoutes);
  app.route("/api/audit", auditRoutes);
  app.route("/api/privacy", privacyRoutes);
  app.route("/api/visitors", visitorRoutes);
  app.route("/api/permissions", permissionRoutes);
  app.route("/api/analytics", analyticsRoutes);
  app.route("/api/settings/business-hours", businessHoursRoutes);
  app.route("/api/channels", channelRoutes);
  app.route("/hooks/whatsapp", whatsappHookRoutes);
  app.route("/api/billing", billingRoutes);
  app.route("/hooks/stripe", stripeHookRoutes);
  app.route("/api/roles", roleRoutes);
  app.route("/api/integrations", integrationRoutes);
  app.route("/api/conversations", conversationOrderRoutes);
  app.route("/hooks", commerceHookRoutes);
  app.route("/api/imports", importRoutes);
  app.route("/api/account", accountRoutes);
  app.route("/api/workspace", workspaceRoutes);
}
