/**
 * The dashboard's typed client over Echo's public REST API. Every call goes through `request()`,
 * which adds the access token, refreshes it once on a 401 and turns problem+json bodies into
 * `ApiError`s: `message` is the server's `detail`, `text` the same refusal in plain words for the
 * screen (ui/words.ts), with the request id as a reference for support.
 */
import type { z } from "@hono/zod-openapi";
import type {
  AuditAction,
  AuditEntryDto,
  BotDto,
  BotInput,
  CallSchemas,
  BotPatch,
  EscalationPolicySchema,
  InvitationDto,
  KeyDto,
  MemberDto,
  Permission,
  Session,
  SlaTable as SlaTableDto,
  TriageConversationRoutes as TriageConversationRouteTypes,
  TriageSchemas as TriageSchemaTypes,
  VoiceSchemas as VoiceSchemaTypes,
} from "../../workers/contracts/dto";
import { plainProblem } from "./ui/words";

export type { Session, BotDto as Bot, BotInput, BotPatch, Permission };
export type Role = Session["role"];
export type Workspace = { id: string; name: string; role: string };
export type ApiKey = z.infer<typeof KeyDto>;
export type Member = z.infer<typeof MemberDto>;
export type Invitation = z.infer<typeof InvitationDto>;
export type FieldError = { path: string; message: string };
/** GET /api/account (workers/domain/account/schemas.ts AccountDto). */
export type Account = { id: string; email: string; name: string | null; hasPassword: boolean; workspaces: Workspace[] };
/** A row of GET /api/account/sessions: one signed-in device or tab, kept alive by its refreshes. */
export type AccountSession = {
  id: string;
  workspace: { id: string; name: string | null };
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  current: boolean;
};
/** GET /api/calls rows and GET /api/calls/:id (workers/domain/voice/call-schemas.ts). */
export type Call = z.infer<typeof CallSchemas.CallDto>;
export type CallDetail = z.infer<typeof CallSchemas.CallDetailDto>;
export type CallQuery = Partial<
  Record<"from" | "to" | "status" | "provider" | "outcome" | "minDuration" | "maxDuration" | "q" | "cursor", string>
>;
export type RoleDef = {
  id: string;
  name: string;
  builtIn: boolean;
  permissions: string[];
  createdAt: string | null;
  updatedAt: string | null;
};
export type SsoSettings = {
  issuer: string;
  clientId: string;
  clientSecretHint: string;
  allowedDomains: string[];
  defaultRole: string;
  required: boolean;
  redirectUri: string;
  loginUrl: string;
  updatedAt: string;
};
export type SsoSettingsInput = {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  allowedDomains: string[];
  defaultRole: "admin" | "agent" | "viewer";
  required: boolean;
};
export type SsoTest = { ok: boolean; issuer: string | null; authorizationEndpoint: string | null; error?: string };

/** Knowledge sources as listed by GET /api/knowledge/sources (workers/routes/knowledge.ts). */
export type SourceStatus = "queued" | "processing" | "ready" | "failed";
export type KnowledgeSource = {
  id: string;
  type: "file" | "text" | "qa" | "url";
  title: string;
  status: SourceStatus;
  error?: string | null;
  botId?: string | null;
  url?: string | null;
  filename?: string | null;
  bytes?: number;
  chars?: number;
  chunkCount?: number;
  /** 0..1 while processing, when the server reports it. */
  progress?: number | null;
  createdAt: string;
  updatedAt?: string;
};
export type AnswerSource = { sourceId: string; title: string; url: string | null; snippet: string };
export type AskResult = {
  answer: string;
  sources: AnswerSource[];
  confidence: number;
  handoff: boolean;
  timings?: { retrieveMs: number; generateMs: number; totalMs: number };
};

export type ConversationMode = "ai" | "human" | "closed";
/** A row of GET /api/conversations; optional fields are shown when the server sends them. */
export type Conversation = {
  id: string;
  botId: string;
  mode: ConversationMode;
  status?: string;
  assigneeId?: string | null;
  visitor?: Record<string, unknown> | null;
  lastMessagePreview?: string | null;
  lastMessageAt?: string | null;
  lastSeq?: number;
  messageCount?: number;
  unread?: number;
  meta?: Record<string, unknown>;
  channel?: string;
  priority?: string | null;
  sentiment?: string | number | null;
  createdAt: string;
  updatedAt?: string;
  closedAt?: string | null;
  [extra: string]: unknown;
};
export type MessageRole = "visitor" | "ai" | "agent" | "system" | "note";
export type Message = {
  seq: number;
  id: string;
  cid?: string;
  role: MessageRole;
  text: string;
  at: string;
  sources?: AnswerSource[];
  authorId?: string | null;
  authorName?: string | null;
  private?: boolean;
  attachments?: Attachment[];
};
export type Receipt = "sent" | "delivered" | "read" | "failed";
export type WhatsAppConversation = {
  channelId: string;
  windowClosesAt: string;
  windowOpen: boolean;
  receipts: Record<string, Receipt>;
};
export type WhatsAppTemplate = {
  name: string;
  language: string;
  category: string;
  body: string | null;
  bodyParameters: number;
};
/** A file a message carries; its bytes come from `api.conversations.attachment`. */
export type Attachment = { id: string; name: string; type: string; size: number };
/** A tenant's answer provider; the key comes back only as a hint (e.g. "sk-…abcd"). */
export type ProviderSettings = {
  provider: "openai";
  baseURL: string | null;
  model: string;
  keyHint: string;
  updatedAt: string;
};
export type Page<T> = { data: T[]; nextCursor?: string | null };
/** One entry of GET /api/audit (workers/domain/audit/dto.ts) and the closed list of its actions. */
export type AuditEntry = z.infer<typeof AuditEntryDto>;
export type { AuditAction };
/**
 * Filters of GET /api/audit and its export: one action, an actor id (usr_…, a key's id or "system"),
 * and an inclusive time range as ISO instants.
 */
export type AuditQuery = { action?: AuditAction; actor?: string; from?: string; to?: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = "ERROR",
    readonly errors: FieldError[] = [],
    /** The problem's `requestId`: what support needs to find the failure in the logs. */
    readonly requestId?: string,
  ) {
    super(message);
  }
  /** What the screen says: the refusal in plain words (never the schema's or the server's jargon). */
  get text() {
    return plainProblem(this);
  }
}

/** Hooks the session model installs: where the token comes from and how to renew it. */
type AuthHooks = { token: () => string | null; refresh: () => Promise<boolean>; expired: () => void };
let auth: AuthHooks = { token: () => null, refresh: async () => false, expired: () => {} };
export function installAuth(hooks: AuthHooks) {
  auth = hooks;
}

/** `text`: the body is returned as text (CSV exports), not parsed as JSON. */
type Options = {
  body?: unknown;
  form?: FormData;
  anonymous?: boolean;
  signal?: AbortSignal;
  text?: boolean;
  /** The body is returned as a Blob (attachment downloads). */
  blob?: boolean;
};

async function toError(r: Response): Promise<ApiError> {
  const body: unknown = await r.json().catch(() => null);
  if (body && typeof body === "object") {
    const p = body as { detail?: unknown; code?: unknown; errors?: unknown; requestId?: unknown };
    const errors = Array.isArray(p.errors)
      ? p.errors.filter((e): e is FieldError => !!e && typeof e === "object" && "path" in e)
      : [];
    if (typeof p.detail === "string")
      return new ApiError(
        r.status,
        p.detail,
        typeof p.code === "string" ? p.code : "ERROR",
        errors,
        typeof p.requestId === "string" ? p.requestId : undefined,
      );
  }
  return new ApiError(
    r.status,
    r.status === 404
      ? "not found (this part of the API may not be available yet)"
      : `the server answered ${r.status} ${r.statusText}`,
  );
}

export async function request<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  const send = () => {
    const headers: Record<string, string> = { accept: "application/json" };
    const token = opts.anonymous ? null : auth.token();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (opts.form) body = opts.form;
    else if (opts.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    return fetch(path, { method, headers, body, signal: opts.signal });
  };
  let r: Response;
  try {
    r = await send();
    // one silent retry after a refresh: the token may have expired while the tab slept
    if (r.status === 401 && !opts.anonymous && (await auth.refresh())) r = await send();
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError(0, "cannot reach the server; check your connection");
  }
  if (r.status === 401 && !opts.anonymous) auth.expired();
  if (!r.ok) throw await toError(r);
  if (r.status === 204) return undefined as T;
  if (opts.text) return (await r.text()) as T;
  if (opts.blob) return (await r.blob()) as T;
  return (await r.json()) as T;
}

const get = <T>(path: string, signal?: AbortSignal) => request<T>("GET", path, { signal });
const post = <T>(path: string, body?: unknown) => request<T>("POST", path, { body: body ?? {} });
const patch = <T>(path: string, body: unknown) => request<T>("PATCH", path, { body });
const del = <T = void>(path: string) => request<T>("DELETE", path);
const enc = encodeURIComponent;
/** `?a=1&b=2` from the set values of `q` ("" when none is set). */
const query = (q: Record<string, string | number | undefined>) => {
  const qs = new URLSearchParams(
    Object.entries(q).flatMap(([k, v]) => (v === undefined || v === "" ? [] : [[k, String(v)]])),
  ).toString();
  return qs ? `?${qs}` : "";
};

export const api = {
  calls: {
    list: (q: CallQuery, signal?: AbortSignal) => {
      const qs = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1])).toString();
      return get<{ data: Call[]; nextCursor: string | null }>(`/api/calls${qs ? `?${qs}` : ""}`, signal);
    },
    get: (id: string) => get<CallDetail>(`/api/calls/${enc(id)}`),
    remove: (id: string) => del<{ erased: Record<string, number> }>(`/api/calls/${enc(id)}`),
  },
  auth: {
    /** 202 for any address: a confirmation link is mailed (`devToken` only from a development server). */
    signup: (b: { email: string; password: string; name?: string; company: string }) =>
      request<{ status: string; detail: string; devToken?: string }>("POST", "/api/auth/signup", {
        body: b,
        anonymous: true,
      }),
    verifyEmail: (token: string) =>
      request<Session>("POST", "/api/auth/verify-email", { body: { token }, anonymous: true }),
    requestReset: (email: string) =>
      request<{ status: string; detail: string }>("POST", "/api/auth/password-reset", {
        body: { email },
        anonymous: true,
      }),
    confirmReset: (token: string, password: string) =>
      request<void>("POST", "/api/auth/password-reset/confirm", { body: { token, password }, anonymous: true }),
    login: (b: { email: string; password: string }) =>
      request<Session>("POST", "/api/auth/login", { body: b, anonymous: true }),
    refresh: (refreshToken: string) =>
      request<Session>("POST", "/api/auth/refresh", { body: { refreshToken }, anonymous: true }),
    logout: (refreshToken: string) =>
      request<void>("POST", "/api/auth/logout", { body: { refreshToken }, anonymous: true }),
    /** Signed in (an existing account accepts as itself) or anonymous with a new account's password. */
    accept: (b: { token: string; password?: string; name?: string }, signedIn: boolean) =>
      request<Session>("POST", "/api/auth/accept-invitation", { body: b, anonymous: !signedIn }),
    /** The signed-in account's workspaces, with its role in each. */
    workspaces: () => get<{ data: Workspace[] }>("/api/auth/workspaces"),
    /** New tokens in another workspace of the signed-in account (403 where that workspace requires SSO). */
    switch: (tenantId: string) => post<Session>("/api/auth/switch", { tenantId }),
  },
  /** The signed-in person's own account (issue 22): every member may use it, whatever the role. */
  account: {
    get: () => get<Account>("/api/account"),
    rename: (name: string) => patch<Account>("/api/account", { name }),
    /** Every session is signed out; the answer is a fresh session for this tab. */
    changePassword: (b: { currentPassword: string; newPassword: string }) => post<Session>("/api/account/password", b),
    sessions: () => get<{ data: AccountSession[] }>("/api/account/sessions"),
    signOutSession: (id: string) => del(`/api/account/sessions/${enc(id)}`),
    /** Every session but this tab's, in every workspace, in one request. */
    signOutOthers: () => del<{ signedOut: number }>("/api/account/sessions"),
  },
  bots: {
    list: () => get<Page<BotDto>>("/api/bots"),
    get: (id: string) => get<BotDto>(`/api/bots/${enc(id)}`),
    create: (b: BotInput) => post<BotDto>("/api/bots", b),
    update: (id: string, b: BotPatch) => patch<BotDto>(`/api/bots/${enc(id)}`, b),
    remove: (id: string) => del(`/api/bots/${enc(id)}`),
    secret: (id: string) => get<{ secret: string }>(`/api/bots/${enc(id)}/secret`),
    ask: (id: string, question: string) => post<AskResult>(`/api/bots/${enc(id)}/ask`, { question }),
    /** The bot's 3D avatar (issue 19): a binary glTF the widget draws with three.js. */
    uploadAvatarModel: (id: string, file: File) => {
      const form = new FormData();
      form.set("file", file);
      return request<BotDto>("PUT", `/api/bots/${enc(id)}/avatar/model`, { form });
    },
    removeAvatarModel: (id: string) => request<BotDto>("DELETE", `/api/bots/${enc(id)}/avatar/model`),
  },
  keys: {
    list: () => get<Page<ApiKey>>("/api/keys"),
    create: (b: { name: string; scopes: Permission[] }) => post<ApiKey & { secret: string }>("/api/keys", b),
    revoke: (id: string) => del<ApiKey>(`/api/keys/${enc(id)}`),
  },
  /** The workspace's channels: its inbound email address and WhatsApp numbers (issue 17). */
  channels: {
    email: () => get<{ address: string }>("/api/channels/email"),
    connectWhatsApp: (b: {
      botId: string;
      phoneNumberId: string;
      accessToken: string;
      appSecret: string;
      verifyToken: string;
    }) => post<{ id: string; webhookUrl: string }>("/api/channels/whatsapp", b),
    /** A WhatsApp conversation's channel, 24-hour window and receipts (message id → status). */
    whatsappConversation: (conversationId: string) =>
      get<WhatsAppConversation>(`/api/channels/whatsapp/conversations/${enc(conversationId)}`),
    /** Syncs the number's approved templates from Meta and lists them. */
    templates: (channelId: string) =>
      get<{ data: WhatsAppTemplate[]; syncedAt: string }>(`/api/channels/whatsapp/${enc(channelId)}/templates`),
    sendTemplate: (
      conversationId: string,
      template: {
        name: string;
        language: string;
        components?: { type: "body"; parameters: { type: "text"; text: string }[] }[];
      },
    ) =>
      post<{ wamid: string; messageId: string }>(
        `/api/channels/whatsapp/conversations/${enc(conversationId)}/template`,
        { template },
      ),
  },
  /** Mail in the local outbox (admins), newest first. */
  outbox: () =>
    get<Page<{ to: string; subject: string; text: string; messageId: string; sentAt: string }>>("/api/outbox"),
  /** Roles built from permissions (issue 18): built-in templates and the workspace's custom roles. */
  roles: {
    list: () => get<Page<RoleDef>>("/api/roles"),
    permissions: () => get<{ data: Permission[]; roles: Record<string, Permission[]> }>("/api/permissions"),
    create: (b: { name: string; permissions: string[] }) => post<RoleDef>("/api/roles", b),
    update: (id: string, b: { name?: string; permissions?: string[] }) => patch<RoleDef>(`/api/roles/${enc(id)}`, b),
    remove: (id: string) => del(`/api/roles/${enc(id)}`),
  },
  /** The workspace's OpenID Connect sign-in (client secret write-only). */
  sso: {
    get: () => get<SsoSettings>("/api/settings/sso"),
    save: (b: SsoSettingsInput) => request<SsoSettings>("PUT", "/api/settings/sso", { body: b }),
    test: () => post<SsoTest>("/api/settings/sso/test"),
    remove: () => del("/api/settings/sso"),
  },
  team: {
    members: () => get<Page<Member>>("/api/team/members"),
    setRole: (userId: string, role: Role) =>
      patch<{ userId: string; role: Role }>(`/api/team/members/${enc(userId)}`, { role }),
    removeMember: (userId: string) => del(`/api/team/members/${enc(userId)}`),
    invitations: () => get<Page<Invitation>>("/api/team/invitations"),
    invite: (email: string, role: Role) =>
      post<Invitation & { token?: string }>("/api/team/invitations", { email, role }),
    revokeInvitation: (id: string) => del(`/api/team/invitations/${enc(id)}`),
  },
  knowledge: {
    list: (signal?: AbortSignal) => get<Page<KnowledgeSource>>("/api/knowledge/sources", signal),
    upload: (file: File, botId?: string) => {
      const form = new FormData();
      form.set("file", file);
      if (botId) form.set("botId", botId);
      return request<KnowledgeSource>("POST", "/api/knowledge/sources", { form });
    },
    addText: (
      b:
        | { type: "text"; title: string; text: string }
        | { type: "qa"; question: string; answer: string; title?: string }
        | { type: "url"; url: string },
    ) => post<KnowledgeSource>("/api/knowledge/sources", b),
    remove: (id: string) => del(`/api/knowledge/sources/${enc(id)}`),
    /** A CSV of question/answer pairs (POST /api/imports?type=qa); refused rows are left out and listed. */
    importQa: (file: File) => {
      const form = new FormData();
      form.set("file", file);
      return request<QaImportReport>("POST", "/api/imports?type=qa&partial=true", { form });
    },
  },
  conversations: {
    list: (q: Record<string, string | undefined>, signal?: AbortSignal) => {
      const qs = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1])).toString();
      return get<Page<Conversation>>(`/api/conversations${qs ? `?${qs}` : ""}`, signal);
    },
    get: (id: string) => get<Conversation>(`/api/conversations/${enc(id)}`),
    messages: (id: string) => get<Page<Message>>(`/api/conversations/${enc(id)}/messages`),
    /** A file a message carries (a widget upload, an email attachment, WhatsApp media). */
    attachment: (id: string, attachmentId: string) =>
      request<Blob>("GET", `/api/conversations/${enc(id)}/attachments/${enc(attachmentId)}`, { blob: true }),
  },
  providers: {
    /** 404 means "not configured": answers use the embedded offline model. */
    openai: () => get<ProviderSettings>("/api/settings/providers/openai"),
    saveOpenai: (b: { apiKey: string; baseURL?: string; model?: string }) =>
      request<ProviderSettings>("PUT", "/api/settings/providers/openai", { body: b }),
    removeOpenai: () => del("/api/settings/providers/openai"),
  },
  /** The workspace's audit log (audit:read), newest first, and its export (audit:export). */
  audit: {
    list: (q: AuditQuery & { cursor?: string; limit?: number }, signal?: AbortSignal) =>
      get<{ data: AuditEntry[]; nextCursor: string | null }>(`/api/audit${query(q)}`, signal),
    /** Every matching entry (up to 10,000) as CSV or JSON, as a Blob to save: the route needs the token. */
    export: (q: AuditQuery, format: "csv" | "json") =>
      request<Blob>("GET", `/api/audit/export${query({ ...q, format })}`, { blob: true }),
  },
  /** Workspace lifecycle (issue 18): deletion with a grace period, restore during it (owners). */
  workspace: {
    get: () => get<WorkspaceState>("/api/workspace"),
    /** `confirm` is the workspace's name, typed out; answers when the purge may start. */
    delete: (confirm: string) =>
      request<{ deletionScheduledAt: string }>("DELETE", "/api/workspace", { body: { confirm } }),
    restore: () => post<WorkspaceState>("/api/workspace/restore"),
  },
  raw: { get, post, patch, del, put: <T>(path: string, body: unknown) => request<T>("PUT", path, { body }) },
};

/** GET /api/workspace: `deletionScheduledAt` is set while a deletion is scheduled. */
/** POST /api/imports?type=qa (workers/domain/imports/schemas.ts QaImportReport). */
export type QaImportReport = {
  rows: number;
  pairs: { imported: number; updated: number; skipped: number };
  refusedRows: number;
  errors: { row: number; column: string | null; message: string }[];
};

export type WorkspaceState = {
  id: string;
  name: string;
  plan: string;
  createdAt: string;
  deletionScheduledAt: string | null;
  deletionRequestedBy: string | null;
  deletionRequestedAt: string | null;
};

// voice integrations and triage settings
type VoiceSchemas = typeof VoiceSchemaTypes;
type TriageSchemas = typeof TriageSchemaTypes;
/** A voice provider connection; secrets come back only as `secretHints` ("••••abcd"). */
export type VoiceIntegration = z.infer<VoiceSchemas["VoiceIntegrationDto"]>;
export type VoiceProvider = VoiceIntegration["provider"];
export type VoiceSettings = VoiceIntegration["settings"];
export type VoiceIntegrationInput = z.input<VoiceSchemas["VoiceIntegrationInput"]>;
export type VoiceIntegrationPatch = z.input<VoiceSchemas["VoiceIntegrationPatch"]>;
export type Category = z.infer<TriageSchemas["CategoryDto"]>;
export type CategoryExample = z.infer<TriageSchemas["ExampleDto"]>;
export type CategoryWithExamples = Category & { examples: CategoryExample[] };
export type CategoryInput = z.input<TriageSchemas["CategoryInput"]>;
export type CategoryPatch = z.input<TriageSchemas["CategoryPatch"]>;
export type Prediction = z.infer<TriageSchemas["PredictionDto"]>;
export type Priority = Category["priority"] & string;
export type EscalationPolicy = z.infer<typeof EscalationPolicySchema>;
export type SlaTable = SlaTableDto;
export type RoutingRule = z.infer<TriageSchemas["RoutingRuleDto"]>;
export type RoutingRuleInput = z.input<TriageSchemas["RoutingRuleInput"]>;

export const settingsApi = {
  voice: {
    list: () => get<{ data: VoiceIntegration[] }>("/api/voice/integrations"),
    create: (b: VoiceIntegrationInput) => post<VoiceIntegration>("/api/voice/integrations", b),
    update: (id: string, b: VoiceIntegrationPatch) => patch<VoiceIntegration>(`/api/voice/integrations/${enc(id)}`, b),
    remove: (id: string) => del(`/api/voice/integrations/${enc(id)}`),
    rotate: (id: string) => post<VoiceIntegration>(`/api/voice/integrations/${enc(id)}/rotate`),
  },
  categories: {
    list: () => get<{ data: Category[] }>("/api/categories"),
    get: (id: string) => get<CategoryWithExamples>(`/api/categories/${enc(id)}`),
    create: (b: CategoryInput) => post<CategoryWithExamples>("/api/categories", b),
    update: (id: string, b: CategoryPatch) => patch<CategoryWithExamples>(`/api/categories/${enc(id)}`, b),
    remove: (id: string) => del(`/api/categories/${enc(id)}`),
    addExamples: (id: string, examples: string[]) =>
      post<CategoryWithExamples>(`/api/categories/${enc(id)}/examples`, { examples }),
    removeExample: (id: string, exampleId: number) => del(`/api/categories/${enc(id)}/examples/${exampleId}`),
    classify: (text: string) => post<Prediction>("/api/categories/classify", { text }),
  },
  triage: {
    policy: (botId: string) => get<EscalationPolicy>(`/api/triage/policies/${enc(botId)}`),
    updatePolicy: (botId: string, b: Partial<EscalationPolicy>) =>
      patch<EscalationPolicy>(`/api/triage/policies/${enc(botId)}`, b),
    sla: () => get<SlaTable>("/api/triage/sla"),
    updateSla: (b: Partial<SlaTable>) => patch<SlaTable>("/api/triage/sla", b),
    rules: () => get<{ data: RoutingRule[] }>("/api/triage/routing-rules"),
    createRule: (b: RoutingRuleInput) => post<RoutingRule>("/api/triage/routing-rules", b),
    removeRule: (id: number) => del(`/api/triage/routing-rules/${id}`),
  },
};

// tickets and triage (conversation view)
type TicketSchemas = TriageSchemas;
type TriageConversationRoutes = typeof TriageConversationRouteTypes;
export type Ticket = z.infer<TicketSchemas["TicketDto"]>;
export type TicketStatus = Ticket["status"];
export type TicketPriority = Ticket["priority"];
export type TicketEvent = z.infer<TicketSchemas["TicketEventDto"]>;
export type TicketWithEvents = Ticket & { events: TicketEvent[] };
export type TicketPatch = z.input<TicketSchemas["TicketPatch"]>;
export type TicketCreate = z.input<TicketSchemas["TicketCreateInput"]>;
export type ReplyDraft = z.infer<TriageConversationRoutes["DraftDto"]>;
export type ConversationSummary = z.infer<TriageConversationRoutes["SummaryDto"]>;
/** GET /api/conversations/:id/triage (workers/routes/triage-conversations.ts TriageDto, not exported there). */
export type ConversationTriage = {
  conversationId: string;
  visitorMessages: number;
  frustration: number | null;
  trend: number | null;
  sentiment: string | null;
  categoryId: string | null;
  categoryConfidence: number | null;
  categorySource: string | null;
  escalationReason: string | null;
  escalationDetail: string | null;
};
/** Filters of GET /api/tickets; `status` and `priority` take comma lists, `assigneeId` a user id, `me` or `none`. */
export type TicketQuery = {
  status?: string;
  priority?: string;
  assigneeId?: string;
  categoryId?: string;
  conversationId?: string;
  cursor?: string;
  limit?: string;
};

export const triageApi = {
  tickets: {
    list: (q: TicketQuery, signal?: AbortSignal) => {
      const qs = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1])).toString();
      return get<Page<Ticket>>(`/api/tickets${qs ? `?${qs}` : ""}`, signal);
    },
    get: (id: string) => get<TicketWithEvents>(`/api/tickets/${enc(id)}`),
    create: (b: TicketCreate) => post<Ticket>("/api/tickets", b),
    update: (id: string, b: TicketPatch) => patch<TicketWithEvents>(`/api/tickets/${enc(id)}`, b),
    summary: (id: string) => post<ConversationSummary>(`/api/tickets/${enc(id)}/summary`),
  },
  conversation: {
    draft: (id: string) => post<ReplyDraft>(`/api/conversations/${enc(id)}/draft`),
    summary: (id: string) => post<ConversationSummary>(`/api/conversations/${enc(id)}/summary`),
    triage: (id: string) => get<ConversationTriage>(`/api/conversations/${enc(id)}/triage`),
    setCategory: (id: string, categoryId: string) =>
      request<{ conversationId: string; categoryId: string; source: string }>(
        "PUT",
        `/api/conversations/${enc(id)}/category`,
        { body: { categoryId } },
      ),
  },
};

/** `ws(s)://<this origin><path>?token=<access token>`: browsers cannot set headers on a WebSocket. */
export function socketUrl(path: string): string | null {
  const token = auth.token();
  if (!token) return null;
  const u = new URL(path, location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.searchParams.set("token", token);
  return u.toString();
}
