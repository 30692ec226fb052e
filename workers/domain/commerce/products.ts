import type { CommerceProduct } from "../../providers/commerce/port";
import type { CommerceConnectionRow } from "../../storage/schema";
import type { Ctx } from "../ctx";
import { deleteSource, createSourceFromJson } from "../knowledge/sources";
import { MAX_TITLE } from "../knowledge/schemas";
import { MAX_PRODUCTS_PER_SYNC } from "./schemas";
import { getConnection } from "./connections";
import { storeFailure, storeOf } from "./store";

/**
 * Product knowledge (issue 20): each product of a connected store is one `text` knowledge source
 * (title, description, options, variants with price and availability) whose `url` is the product
 * page, so answers about it cite the page. The source's external id `commerce:<connection>:<product>`
 * makes a re-index replace the older copy once the new one is ready (knowledge/sources.ts); an
 * unchanged product is not re-indexed. Kept current by webhooks and by sync (POST …/sync, cron).
 */
export const productExternalId = (conn: Pick<CommerceConnectionRow, "id">, productId: string) =>
  `commerce:${conn.id}:${productId}`;

export function productText(p: CommerceProduct): string {
  const lines = [`# ${p.title}`, ""];
  if (p.description) lines.push(p.description, "");
  const prices = [...new Set(p.variants.map((v) => v.price).filter((x): x is string => !!x))];
  if (prices.length) lines.push(`Price: ${prices.join(" / ")}${p.currency ? ` ${p.currency}` : ""}`);
  lines.push(`Availability: ${p.available ? "in stock" : "out of stock"}`);
  for (const o of p.options) lines.push(`${o.name}: ${o.values.join(", ")}`);
  const variants = p.variants.filter((v) => v.title !== "Default Title" && v.title !== p.title);
  if (variants.length) {
    lines.push("", "Variants:");
    for (const v of variants)
      lines.push(
        `- ${v.title}${v.price ? `: ${v.price}${p.currency ? ` ${p.currency}` : ""}` : ""}, ${v.available ? "in stock" : "out of stock"}`,
      );
  }
  if (p.url) lines.push("", `Product page: ${p.url}`);
  return lines.join("\n");
}

const dedupeKeyOf = (conn: CommerceConnectionRow, productId: string) =>
  `${conn.botId ?? "*"}|ext:${productExternalId(conn, productId)}`;

/** Indexes one product, unless its current copy already holds the same text. Unpublished → removed. */
export async function indexProduct(ctx: Ctx, conn: CommerceConnectionRow, p: CommerceProduct): Promise<boolean> {
  if (!p.url) {
    await removeProduct(ctx, conn, p.id);
    return false;
  }
  const text = productText(p);
  const existing = await ctx.repos.knowledge.others(ctx.tenantId, dedupeKeyOf(conn, p.id), "");
  for (const s of existing) {
    if (s.status === "failed" || !s.r2Key) continue;
    const body = await ctx.services.files.get(s.r2Key);
    if (body && (await body.text()) === text) return false;
  }
  await createSourceFromJson(ctx, {
    type: "text",
    title: p.title.slice(0, MAX_TITLE),
    text,
    externalId: productExternalId(conn, p.id),
    url: p.url,
    ...(conn.botId ? { botId: conn.botId } : {}),
  });
  return true;
}

export async function removeProduct(ctx: Ctx, conn: CommerceConnectionRow, productId: string) {
  for (const s of await ctx.repos.knowledge.others(ctx.tenantId, dedupeKeyOf(conn, productId), ""))
    await deleteSource(ctx, s.id).catch(() => undefined); // a concurrent delete already took it
}

/**
 * Pages through the store's products and indexes each (bounded per run). After a complete pass
 * (every page read) the products the store no longer lists are removed from knowledge; a pass cut
 * short by MAX_PRODUCTS_PER_SYNC removes nothing, since it cannot tell missing from not yet read.
 */
export async function syncProducts(ctx: Ctx, id: string) {
  const conn = await getConnection(ctx, id);
  const store = await storeOf(ctx, conn);
  let cursor: string | undefined;
  let pages = 0;
  let indexed = 0;
  const listed = new Set<string>();
  try {
    do {
      const page = await store.products(cursor);
      pages++;
      for (const p of page.products) {
        listed.add(p.id);
        if (await indexProduct(ctx, conn, p)) indexed++;
      }
      cursor = page.next;
    } while (cursor && listed.size < MAX_PRODUCTS_PER_SYNC);
  } catch (err) {
    throw storeFailure(err, conn.shop);
  }
  const removed = cursor === undefined ? await removeUnlisted(ctx, conn, listed) : 0;
  const now = new Date(ctx.clock.now());
  await ctx.repos.commerceConnections.update(ctx.tenantId, conn.id, {
    lastSyncAt: now,
    productCount: listed.size,
    updatedAt: now,
  });
  return { indexed, removed, pages, complete: cursor === undefined };
}

/** Removes the indexed products of `conn` that are not in `listed`; answers how many products. */
async function removeUnlisted(ctx: Ctx, conn: CommerceConnectionRow, listed: Set<string>) {
  const prefix = productExternalId(conn, "");
  const gone = new Set<string>();
  for (const s of await ctx.repos.commerceConnections.productSources(ctx.tenantId, conn.id)) {
    const productId = s.externalId?.startsWith(prefix) ? s.externalId.slice(prefix.length) : undefined;
    if (productId && !listed.has(productId)) gone.add(productId);
  }
  for (const productId of gone) await removeProduct(ctx, conn, productId);
  return gone.size;
}
