import type { AnswerModel, AnswerReport } from "./port";

/** How long a provider may take to its first piece of text before the chain moves on. */
export const FIRST_TOKEN_TIMEOUT_MS = 8_000;

class FirstTokenTimeout extends Error {}

/**
 * One chain per bot: primary → secondary → … → the last model (the embedded answerer), so a
 * visitor never waits on a dead provider. A model is skipped when it throws (HTTP error, refused
 * egress, malformed stream), ends without text, or sends no text within `firstTokenMs`; its request
 * is then aborted. Once text has flowed to the visitor the chain is committed to that model: a
 * later break is the answer's failure (the answerer ends it with an offer of a person), since
 * switching models mid-sentence would repeat or contradict what was already shown. Usage reports of
 * every attempt pass through (a skipped provider may still have billed its input), and one
 * `answered_by` report names the model that answered and the ones skipped.
 */
export function fallbackAnswerModel(
  chain: AnswerModel[],
  opts: { firstTokenMs?: number; log?: (msg: string, fields: Record<string, unknown>) => void } = {},
): AnswerModel {
  if (chain.length === 0) throw new Error("fallbackAnswerModel needs at least one model");
  const firstTokenMs = opts.firstTokenMs ?? FIRST_TOKEN_TIMEOUT_MS;
  return {
    name: chain.map((m) => m.name).join(">"),
    async *stream(prompt, signal, report) {
      const skipped: { model: string; error: string }[] = [];
      for (let i = 0; i < chain.length; i++) {
        const model = chain[i]!;
        const last = i === chain.length - 1;
        if (signal?.aborted) return;
        const attempt = new AbortController();
        const onAbort = () => attempt.abort(signal?.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        const it = model.stream(prompt, attempt.signal, report)[Symbol.asyncIterator]();
        try {
          let first: IteratorResult<string>;
          try {
            first = await firstPiece(it, last ? 0 : firstTokenMs);
          } catch (err) {
            if (signal?.aborted) return;
            if (last) throw err;
            attempt.abort();
            void it.return?.()?.catch(() => {});
            const error = err instanceof FirstTokenTimeout ? err.message : errorText(err);
            skipped.push({ model: model.name, error });
            opts.log?.("answer: provider skipped", { model: model.name, error, next: chain[i + 1]!.name });
            continue;
          }
          if (first.done && !last) {
            skipped.push({ model: model.name, error: "empty answer" });
            opts.log?.("answer: provider skipped", {
              model: model.name,
              error: "empty answer",
              next: chain[i + 1]!.name,
            });
            continue;
          }
          report?.({ kind: "answered_by", model: model.name, skipped });
          if (skipped.length) opts.log?.("answer: answered by a fallback", { model: model.name, skipped });
          if (first.done) return;
          yield first.value;
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            yield r.value;
          }
        } finally {
          signal?.removeEventListener("abort", onAbort);
        }
      }
    },
  };
}

/** The first non-empty piece (or the end), or FirstTokenTimeout after `ms` (0: no limit). */
async function firstPiece(it: AsyncIterator<string>, ms: number): Promise<IteratorResult<string>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const next = async () => {
    for (;;) {
      const r = await it.next();
      if (r.done || r.value) return r;
    }
  };
  if (!ms) return next();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FirstTokenTimeout(`no text within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error and its cause (SDKs wrap a refused or failed fetch as "Connection error."). */
const errorText = (err: unknown) => {
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? ` (${err.cause.message})` : "";
  return `${err.message}${cause}`.slice(0, 300);
};

export type { AnswerReport };
