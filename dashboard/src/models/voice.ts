/**
 * Voice integrations as the dashboard shows them: each provider's own secret names (the API rejects
 * any other), labels for the URLs the API hands back, and the form state → request body mapping.
 */
import {
  type VoiceIntegration,
  type VoiceIntegrationInput,
  type VoiceIntegrationPatch,
  type VoiceProvider,
  type VoiceSettings,
} from "../api";

export type SecretField = { key: string; label: string; hint: string; optional?: boolean };
export type ProviderInfo = { label: string; secrets: SecretField[] };

/** Secret names are the provider's own (workers/domain/voice/schemas.ts): Vapi `secret`, ElevenLabs `webhookSecret`, Retell `apiKey`, Twilio `authToken`. */
export const PROVIDERS: Record<VoiceProvider, ProviderInfo> = {
  vapi: {
    label: "Vapi",
    secrets: [
      {
        key: "secret",
        label: "Vapi secret",
        hint: "The server URL secret Vapi sends with every request (X-Vapi-Secret).",
      },
    ],
  },
  elevenlabs: {
    label: "ElevenLabs",
    secrets: [
      { key: "webhookSecret", label: "Webhook secret", hint: "The HMAC secret of ElevenLabs' post-call webhook." },
      {
        key: "initiationSecret",
        label: "Initiation secret",
        hint: "Optional: the secret of the conversation-initiation webhook; defaults to the webhook secret.",
        optional: true,
      },
    ],
  },
  retell: {
    label: "Retell",
    secrets: [{ key: "apiKey", label: "Retell API key", hint: "Retell signs its webhooks with your API key." }],
  },
  twilio: {
    label: "Twilio",
    secrets: [
      {
        key: "authToken",
        label: "Twilio auth token",
        hint: "Twilio signs its requests with your account's auth token.",
      },
    ],
  },
};
export const PROVIDER_OPTIONS = (Object.keys(PROVIDERS) as VoiceProvider[]).map(
  (p) => [p, PROVIDERS[p].label] as const,
);

const URL_LABELS: Record<string, string> = {
  webhook: "Webhook URL",
  customLlm: "Custom LLM base URL",
  llmWebsocket: "Retell LLM WebSocket URL",
  statusCallback: "Status callback URL",
  initiation: "Conversation initiation webhook URL",
};
/**
 * The URLs to paste into the provider's console, webhook first, labelled in words. Empty when the
 * API left them out (only roles that may change voice settings see them: some carry a token).
 */
export function urlRows(v: Pick<VoiceIntegration, "urls" | "webhookUrl">): [string, string][] {
  if (!v.urls) return [];
  const urls: Record<string, string> = { ...(v.webhookUrl && { webhook: v.webhookUrl }), ...v.urls };
  return Object.entries(urls).map(([k, url]) => [
    URL_LABELS[k] ?? k.replace(/([A-Z])/g, " $1").replace(/^./, (c) => c.toUpperCase()),
    url,
  ]);
}

/** The editable part of an integration; secrets are always empty here (write-only). */
export type VoiceForm = {
  provider: VoiceProvider;
  botId: string;
  name: string;
  secrets: Record<string, string>;
  handoffNumber: string;
  firstMessage: string;
  vapiAuth: "" | NonNullable<VoiceSettings["vapiAuth"]>;
  streamUrl: string;
};

export const emptyVoiceForm = (botId = ""): VoiceForm => ({
  provider: "vapi",
  botId,
  name: "",
  secrets: {},
  handoffNumber: "",
  firstMessage: "",
  vapiAuth: "",
  streamUrl: "",
});

export const voiceFormOf = (v: VoiceIntegration): VoiceForm => ({
  provider: v.provider,
  botId: v.botId,
  name: v.name,
  secrets: {},
  handoffNumber: v.settings.handoffNumber ?? "",
  firstMessage: v.settings.firstMessage ?? "",
  vapiAuth: v.settings.vapiAuth ?? "",
  streamUrl: v.settings.streamUrl ?? "",
});

/** Settings the form shows for this provider, blanks left out (the API treats a missing key as "unset"). */
function settingsOf(f: VoiceForm): VoiceSettings {
  const s: VoiceSettings = {};
  if (f.handoffNumber.trim()) s.handoffNumber = f.handoffNumber.trim();
  if (f.firstMessage.trim()) s.firstMessage = f.firstMessage.trim();
  if (f.provider === "vapi" && f.vapiAuth) s.vapiAuth = f.vapiAuth;
  if (f.provider === "twilio" && f.streamUrl.trim()) s.streamUrl = f.streamUrl.trim();
  return s;
}

const filledSecrets = (f: VoiceForm) =>
  Object.fromEntries(
    PROVIDERS[f.provider].secrets.map((s) => [s.key, f.secrets[s.key] ?? ""]).filter(([, v]) => v !== ""),
  );

export function createBody(f: VoiceForm): VoiceIntegrationInput {
  const settings = settingsOf(f);
  // the required secret goes out even when empty, so the API names the missing field
  const secrets = { [PROVIDERS[f.provider].secrets[0]!.key]: "", ...filledSecrets(f) };
  return {
    provider: f.provider,
    botId: f.botId,
    ...(f.name.trim() && { name: f.name.trim() }),
    secrets,
    ...(Object.keys(settings).length && { settings }),
  } as VoiceIntegrationInput;
}

/** Settings the form edits: one emptied on the form is removed (`null`), back to its default. */
const FORM_SETTINGS = ["handoffNumber", "firstMessage", "vapiAuth", "streamUrl"] as const;

/** Only what changed: an empty secret keeps the stored one, an unchanged setting is not resent. */
export function patchBody(before: VoiceIntegration, f: VoiceForm): VoiceIntegrationPatch {
  const now = settingsOf(f);
  const settings: Record<string, unknown> = Object.fromEntries(
    Object.entries(now).filter(([k, v]) => before.settings[k as keyof VoiceSettings] !== v),
  );
  for (const k of FORM_SETTINGS) if (before.settings[k] !== undefined && now[k] === undefined) settings[k] = null;
  const secrets = filledSecrets(f);
  return {
    ...(f.botId !== before.botId && { botId: f.botId }),
    ...(f.name.trim() && f.name.trim() !== before.name && { name: f.name.trim() }),
    ...(Object.keys(secrets).length && { secrets }),
    ...(Object.keys(settings).length && { settings }),
  };
}
