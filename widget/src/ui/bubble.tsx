import type { Item } from "../model";
import type { Attachment, Source } from "../protocol";
import { K, type Strings } from "../i18n";
import { isSafeUrl, markdown } from "../markdown";

function Sources({ list, t }: { list: Source[]; t: Strings }) {
  return (
    <div class="src">
      <span>{t[K.sources]}</span>
      <ol>
        {list.map((s) => (
          <li key={s.sourceId} title={s.snippet}>
            {s.url && isSafeUrl(s.url) ? (
              <a href={s.url} target="_blank" rel="noopener noreferrer nofollow">
                {s.title}
              </a>
            ) : (
              s.title
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}

function Files({ list }: { list: Attachment[] }) {
  return (
    <div class="att">
      {list.map((a) => {
        const url = a.url && isSafeUrl(a.url) ? a.url : null;
        if (url && a.type.startsWith("image/")) return <img key={a.id} src={url} alt={a.name} loading="lazy" />;
        return url ? (
          <a key={a.id} href={url} target="_blank" rel="noopener noreferrer">
            {a.name}
          </a>
        ) : (
          <span key={a.id}>{a.name}</span>
        );
      })}
    </div>
  );
}

/**
 * One message. While an answer streams, the text signal itself is the child, so each delta
 * updates a single text node; once final, the text is rendered as the markdown subset.
 */
export function Bubble({ it, t }: { it: Item; t: Strings }) {
  const done = it.done.value;
  const p = it.progress?.value;
  const sources = it.sources.value;
  return (
    <div class={"g " + it.role} data-role={it.role} data-id={it.id} aria-busy={!done}>
      {!done ? (
        <div class="tx">{it.text}</div>
      ) : it.text.value ? (
        <div class="tx">{it.role === "visitor" ? it.text.value : markdown(it.text.value)}</div>
      ) : null}
      {it.attachments?.length ? <Files list={it.attachments} /> : null}
      {p !== undefined && p >= 0 && p < 1 ? <progress max={1} value={p} /> : null}
      {p! < 0 ? <small class="err">{t[p === -1 ? K.uploadFail : K.notSent]}</small> : null}
      {sources.length ? <Sources list={sources} t={t} /> : null}
      {it.pending.value && p === undefined ? <small class="pd">{t[K.sending]}</small> : null}
    </div>
  );
}
