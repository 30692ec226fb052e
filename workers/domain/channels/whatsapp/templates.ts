import { Conflict, NotFound, Unavailable } from "../../../lib/errors";
import type { Ctx } from "../../ctx";
import { audit } from "../../audit";
import { openWhatsAppSecrets } from "./channels";
import { getGraphJson } from "./graph";
import { GraphTemplatePage, type WhatsAppChannelPatch } from "./schemas";
import type { GraphTemplatePage as TemplatePage } from "./schemas";

/**
 * Approved message templates (the only messages WhatsApp allows outside the 24-hour window), synced
 * on demand from the channel's WhatsApp Business Account: `GET /{waba-id}/message_templates`
 * (status APPROVED, following Meta's `paging.next` on the same Graph origin, at most MAX_PAGES pages).
 * The stored list replaces the previous one, so a template Meta paused or deleted disappears.
 */

const MAX_PAGES = 5;
const PAGE_SIZE = 100;

export type TemplateDto = {
  name: string;
  language: string;
  category: string;
  /** The body's text with its {{n}} placeholders, when it has one. */
  body: string | null;
  /** How many body placeholders ({{1}}, {{2}}…) the template needs. */
  bodyParameters: number;
  components: unknown[];
};

async function channelOf(ctx: Ctx, id: string) {
  const channel = await ctx.repos.whatsapp.channel(ctx.tenantId, id);
  if (!channel) throw new NotFound("WhatsApp channel", id);
  return channel;
}

export async function setWhatsAppWaba(ctx: Ctx, id: string, patch: WhatsAppChannelPatch) {
  await channelOf(ctx, id);
  await ctx.repos.whatsapp.setWabaId(ctx.tenantId, id, patch.wabaId);
  await audit(ctx, "channel.whatsapp_updated", { type: "whatsapp_channel", id }, { wabaId: patch.wabaId });
  return { id, wabaId: patch.wabaId };
}

export async function syncWhatsAppTemplates(ctx: Ctx, id: string) {
  const channel = await channelOf(ctx, id);
  if (!channel.wabaId)
    throw new Conflict(
      "the channel has no WhatsApp Business Account id; set it with PATCH /api/channels/whatsapp/:id { wabaId }",
    );
  const secrets = await openWhatsAppSecrets(ctx, channel);
  const base = new URL(ctx.config.whatsappApiBase);
  let path: string | null =
    `${encodeURIComponent(channel.wabaId)}/message_templates?status=APPROVED&fields=name,language,status,category,components&limit=${PAGE_SIZE}`;
  const approved: TemplatePage["data"] = [];
  for (let page = 0; path && page < MAX_PAGES; page++) {
    const parsed = GraphTemplatePage.safeParse(await getGraphJson(ctx, secrets, path));
    if (!parsed.success) throw new Unavailable("WhatsApp answered an unreadable template list");
    approved.push(...parsed.data.data.filter((t) => t.status === "APPROVED"));
    path = nextPath(parsed.data.paging?.next, base, ctx.config.whatsappApiVersion);
  }
  const now = new Date(ctx.clock.now());
  const seen = new Set<string>();
  const rows = approved.flatMap((t) => {
    const key = `${t.name}\u0000${t.language}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [
      {
        channelId: channel.id,
        tenantId: ctx.tenantId,
        name: t.name,
        language: t.language,
        category: t.category ?? "UTILITY",
        components: t.components ?? [],
        syncedAt: now,
      },
    ];
  });
  const [del, ...inserts] = ctx.repos.whatsapp.replaceTemplatesStmts(ctx.tenantId, channel.id, rows);
  await ctx.repos.batch([del, ...inserts]);
  return { data: rows.map(toTemplateDto), syncedAt: now.toISOString() };
}

/** Meta's `paging.next` as a path under our base, only when it points at the same Graph origin and version. */
function nextPath(next: string | undefined, base: URL, version: string): string | null {
  if (!next) return null;
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    return null;
  }
  const prefix = `${base.pathname.replace(/\/+$/, "")}/${version}/`;
  if (url.origin !== base.origin || !url.pathname.startsWith(prefix)) return null;
  return url.pathname.slice(prefix.length) + url.search;
}

export function toTemplateDto(t: {
  name: string;
  language: string;
  category: string;
  components: unknown[];
}): TemplateDto {
  const body = t.components.find(
    (c): c is { type: string; text?: string } =>
      !!c && typeof c === "object" && String((c as { type?: unknown }).type).toUpperCase() === "BODY",
  );
  const text = typeof body?.text === "string" ? body.text : null;
  const placeholders = new Set((text ?? "").match(/\{\{\s*\d+\s*\}\}/g) ?? []);
  return {
    name: t.name,
    language: t.language,
    category: t.category,
    body: text,
    bodyParameters: placeholders.size,
    components: t.components,
  };
}
