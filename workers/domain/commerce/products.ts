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
 * Pages through the store's products and indexes each, at most `limit` a run. A catalogue bigger
 * than that is synced across runs (the cron's, or the next POST /sync): the connection keeps the
 * store's cursor and when the pass began, and each page's products are noted as seen in that pass.
 * Once a pass has read the last page, the products it never saw (the store no longer lists them)
 * are removed from knowledge — so pruning works for catalogues of any size. A run that fails
 * leaves the pass where the previous run left it; a cursor the store refuses restarts the pass.
 */
export async function syncProducts(ctx: Ctx, id: string, limit = MAX_PRODUCTS_PER_SYNC) {
  const conn = await getConnection(ctx, id);
  const store = await storeOf(ctx, conn);
  const repo = ctx.repos.commerceConnections;
  const resuming = conn.syncCursor !== null && conn.syncPassAt !== null;
  let cursor: string | undefined = resuming ? (conn.syncCursor ?? undefined) : undefined;
  const passAt = resuming ? conn.syncPassAt! : new Date(ctx.clock.now());
  let pages = 0;
  let indexed = 0;
  let read = 0;
  try {
    do {
      let page;
      try {
        page = await store.products(cursor);
      } catch (err) {
        // a saved cursor the store refuses (expired, or the catalogue changed shape): start over
        if (!(resuming && pages === 0)) throw err;
        ctx.log.warn("commerce: sync cursor refused; the pass starts over", { shop: conn.shop, error: String(err) });
        await repo.update(ctx.tenantId, conn.id, { syncCursor: null, syncPassAt: null });
        return syncProducts(ctx, id, limit);
      }
      pages++;
      for (const p of page.products) if (await indexProduct(ctx, conn, p)) indexed++;
      await repo.markSeen(
        ctx.tenantId,
        conn.id,
        page.products.map((p) => p.id),
        passAt,
      );
      read += page.products.length;
      cursor = page.next;
    } while (cursor && read < limit);
  } catch (err) {
    // the pass stays where the previous run left it (pages seen again are noted again)
    throw storeFailure(err, conn.shop);
  }
  const complete = cursor === undefined;
  let removed = 0;
  let productCount = conn.productCount;
  if (complete) {
    const listed = await repo.seenIn(ctx.tenantId, conn.id, passAt);
    removed = await removeUnlisted(ctx, conn, listed);
    productCount = listed.size;
    await repo.clearSeen(ctx.tenantId, conn.id);
  }
  const now = new Date(ctx.clock.now());
  await repo.update(ctx.tenantId, conn.id, {
    lastSyncAt: now,
    productCount: complete ? productCount : Math.max(productCount, read),
    syncCursor: complete ? null : cursor,
    syncPassAt: complete ? null : passAt,
    updatedAt: now,
  });
  return { indexed, removed, pages, complete };
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
