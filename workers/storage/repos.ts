import { sql } from "drizzle-orm";
import { analyticsRepo } from "./analytics-repo";
import { answerCacheRepo } from "./answer-cache-repo";
import { auditRepo } from "./audit-repo";
import { billingRepo } from "./billing-repo";
import { apiKeysRepo, invitationsRepo, membershipsRepo, refreshTokensRepo, tenantsRepo, usersRepo } from "./auth-repo";
import { botsRepo } from "./bots-repo";
import { emailRepo, whatsappRepo } from "./channels-repo";
import { commerceConnectionsRepo, commerceDeliveriesRepo } from "./commerce-repo";
import { importsRepo } from "./imports-repo";
import { contactLinksRepo } from "./contacts-repo";
import { conversationsRepo, messagesRepo } from "./conversations-repo";
import type { Db } from "./db";
import { keyCreatorsRepo } from "./key-creator-repo";
import { knowledgeRepo, providerSecretsRepo } from "./knowledge-repo";
import { outboxRepo } from "./mail-repo";
import { privacyRepo } from "./privacy-repo";
import { credentialsRepo, passwordResetsRepo, signupRequestsRepo } from "./recovery-repo";
import { searchRepo } from "./search";
import { sealedSecretsRepo } from "./secrets-repo";
import { rolesRepo } from "./roles-repo";
import { ssoRepo } from "./sso-repo";
import { throttleRepo } from "./throttle-repo";
import {
  categoriesRepo,
  conversationTriageRepo,
  escalationPoliciesRepo,
  presenceRepo,
  routingRepo,
  slaRepo,
  ticketsRepo,
} from "./triage-repo";
import { voiceCallsRepo, voiceEventsRepo, voiceIntegrationsRepo } from "./voice-repo";
import { workspaceRepo } from "./workspace-repo";

/**
 * Every repository factory of storage/, by the property name domain code reaches it under
 * (`ctx.repos.conversations.get(...)`). A new `<entity>-repo.ts` factory is added here once.
 * (The codemod that moved callers from `xRepo(ctx.db)` to `ctx.repos.x` carries the same mapping.)
 */
const FACTORIES = {
  analytics: analyticsRepo,
  answerCache: answerCacheRepo,
  apiKeys: apiKeysRepo,
  audit: auditRepo,
  billing: billingRepo,
  bots: botsRepo,
  categories: categoriesRepo,
  commerceConnections: commerceConnectionsRepo,
  commerceDeliveries: commerceDeliveriesRepo,
  contactLinks: contactLinksRepo,
  conversations: conversationsRepo,
  conversationTriage: conversationTriageRepo,
  credentials: credentialsRepo,
  email: emailRepo,
  imports: importsRepo,
  escalationPolicies: escalationPoliciesRepo,
  invitations: invitationsRepo,
  keyCreators: keyCreatorsRepo,
  knowledge: knowledgeRepo,
  memberships: membershipsRepo,
  messages: messagesRepo,
  outbox: outboxRepo,
  passwordResets: passwordResetsRepo,
  presence: presenceRepo,
  privacy: privacyRepo,
  providerSecrets: providerSecretsRepo,
  refreshTokens: refreshTokensRepo,
  roles: rolesRepo,
  routing: routingRepo,
  sealedSecrets: sealedSecretsRepo,
  search: searchRepo,
  signupRequests: signupRequestsRepo,
  sla: slaRepo,
  sso: ssoRepo,
  tenants: tenantsRepo,
  throttle: throttleRepo,
  tickets: ticketsRepo,
  users: usersRepo,
  voiceCalls: voiceCallsRepo,
  voiceEvents: voiceEventsRepo,
  voiceIntegrations: voiceIntegrationsRepo,
  whatsapp: whatsappRepo,
  workspace: workspaceRepo,
} satisfies Record<string, (db: Db) => object>;

/**
 * The `repos` port of a context: one repository per factory, built on first use and kept, plus the
 * two things that are not one table's business — `batch` (D1 has no BEGIN/COMMIT: a multi-statement
 * write is one batch of the `…Stmt` builders the repositories expose) and `ping` (the health check).
 * Domain code never sees the Drizzle handle.
 */
export type Repos = { readonly [K in keyof typeof FACTORIES]: ReturnType<(typeof FACTORIES)[K]> } & {
  /** Runs Drizzle statements as one D1 batch (one transaction); same typing as Drizzle's `db.batch`. */
  readonly batch: Db["batch"];
  /** One trivial query: does D1 answer? */
  readonly ping: () => Promise<unknown>;
};

const built = new WeakMap<Db, Repos>();

/**
 * The repositories over one Drizzle handle. They hold nothing but the handle (each is built on first
 * use), so one set per handle — and so per D1 binding — serves every request, room and queue batch
 * of the isolate; building ~50 property getters per context was 130 ms of self time in an 8 s CPU
 * profile of the realistic bench's plain-chat phase.
 */
export function reposOf(db: Db): Repos {
  let repos = built.get(db);
  if (!repos) built.set(db, (repos = buildRepos(db)));
  return repos;
}

function buildRepos(db: Db): Repos {
  const repos: Record<string, unknown> = {
    batch: db.batch.bind(db),
    ping: () => db.run(sql`select 1`),
  };
  for (const [name, make] of Object.entries(FACTORIES) as [string, (db: Db) => object][]) {
    let built: object | undefined;
    Object.defineProperty(repos, name, { enumerable: true, get: () => (built ??= make(db)) });
  }
  return repos as Repos;
}
