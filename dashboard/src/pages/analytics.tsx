/**
 * Analytics (issue 16): headline tiles with the change against the previous period of the same
 * length, a daily line chart, bar charts (hand-off reasons, channels), response times, per-bot
 * figures, the knowledge gaps with an "add the answer" action, common questions and voice.
 * Definitions: docs/analytics.md.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { can } from "../models/session";
import {
  analyticsApi,
  type AnalyticsFilter,
  type AnalyticsMetric,
  type AnalyticsQuestions,
  type AnalyticsSummary,
} from "../models/analytics";
import { BarChart, LineChart } from "../ui/charts";
import { saveBlob } from "../models/util";
import { Area, ErrorNote, Field, fieldError, Loading, Select, useAction, useLoad } from "../ui/kit";

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const shift = (date: string, days: number) => iso(Date.parse(`${date}T00:00:00Z`) + days * DAY);
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const pct = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${Math.round(v * 1000) / 10}%`);
const num = (v: number) => String(Math.round(v * 100) / 100);
const usd = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : `$${v.toFixed(v > 0 && v < 1 ? 4 : 2)}`;
function dur(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

type Tile = { label: string; value: (s: AnalyticsSummary) => number | null; show: (v: number | null) => string };
const TILES: Tile[] = [
  { label: "Conversations", value: (s) => s.conversations, show: (v) => (v === null ? "—" : String(v)) },
  { label: "AI involvement", value: (s) => s.aiInvolvementRate, show: pct },
  { label: "AI resolution", value: (s) => s.aiResolution.rate, show: pct },
  { label: "Automation rate", value: (s) => s.automationRate, show: pct },
  { label: "Hand-off rate", value: (s) => s.handoffs.rate, show: pct },
  { label: "First response (median)", value: (s) => s.firstResponseMs.p50, show: dur },
  { label: "CSAT", value: (s) => s.csat.score, show: pct },
  { label: "AI spend", value: (s) => s.aiSpend.costUsd, show: usd },
];

function change(now: number | null, before: number | null): string {
  if (now === null || before === null) return "no earlier data";
  if (before === 0) return now === 0 ? "no change" : "new";
  const d = Math.round(((now - before) / Math.abs(before)) * 100);
  return d === 0 ? "no change" : `${d > 0 ? "▲" : "▼"} ${Math.abs(d)}% vs previous period`;
}

const CHANNELS = [
  ["", "All channels"],
  ["chat", "Chat"],
  ["voice", "Voice"],
  ["email", "Email"],
  ["whatsapp", "WhatsApp"],
] as const;

export function Analytics() {
  const today = iso(Date.now());
  const [from, setFrom] = useState(shift(today, -29));
  const [to, setTo] = useState(today);
  const [botId, setBotId] = useState("");
  const [channel, setChannel] = useState<(typeof CHANNELS)[number][0]>("");
  const [interval, setInterval] = useState<"day" | "week">("day");
  const [metric, setMetric] = useState<AnalyticsMetric>("conversations");
  const f: AnalyticsFilter = { from, to, tz, ...(botId ? { botId } : {}), ...(channel ? { channel } : {}) };
  const key = [from, to, botId, channel];
  const days = Math.round((Date.parse(to) - Date.parse(from)) / DAY) + 1;
  const bots = useLoad(() => api.bots.list().then((p) => p.data), []);
  const now = useLoad(() => analyticsApi.summary(f), key);
  const before = useLoad(() => analyticsApi.summary({ ...f, from: shift(from, -days), to: shift(from, -1) }), key);
  const series = useLoad(() => analyticsApi.timeseries(f, metric, interval), [...key, metric, interval]);
  const questions = useLoad(() => analyticsApi.questions(f), key);
  const exportCsv = useAction(async (report: "summary" | "questions") => {
    const text = await analyticsApi.csv(report, f);
    saveBlob(new Blob([text], { type: "text/csv" }), `analytics-${report}-${from}-${to}.csv`);
  });
  const s = now.data;
  return (
    <main class="page" id="main">
      <header class="page-head row between wrap">
        <h1>Analytics</h1>
        <div class="row wrap">
          <button type="button" class="btn small" onClick={() => void exportCsv.run("summary")}>
            Export summary (CSV)
          </button>
          <button type="button" class="btn small" onClick={() => void exportCsv.run("questions")}>
            Export questions (CSV)
          </button>
        </div>
      </header>
      <form class="row wrap" role="search" aria-label="Report range and filters" onSubmit={(e) => e.preventDefault()}>
        <Field label="From" type="date" value={from} onValue={(v) => v && setFrom(v)} />
        <Field label="To" type="date" value={to} onValue={(v) => v && setTo(v)} />
        <Select
          label="Bot"
          value={botId}
          onValue={setBotId}
          options={[["", "All bots"], ...(bots.data ?? []).map((b) => [b.id, b.name] as const)]}
        />
        <Select label="Channel" value={channel} onValue={setChannel} options={CHANNELS} />
        <p class="muted" style="align-self:end">
          Days in {tz}
        </p>
      </form>
      <ErrorNote error={now.error ?? exportCsv.error} />
      {!s ? (
        <Loading />
      ) : (
        <>
          <ul
            aria-label="Headline figures"
            style="list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px"
          >
            {TILES.map((t) => {
              const v = t.value(s);
              return (
                <li key={t.label} class="card" style="margin:0">
                  <div class="muted">{t.label}</div>
                  <strong style="font-size:1.6em">{t.show(v)}</strong>
                  <div class="muted">
                    <small>{before.data ? change(v, t.value(before.data)) : "…"}</small>
                  </div>
                </li>
              );
            })}
          </ul>
          <section class="card" aria-labelledby="an-trend">
            <div class="row between wrap">
              <h2 id="an-trend">Trend</h2>
              <div class="row wrap">
                <Select
                  label="Metric"
                  value={metric}
                  onValue={setMetric}
                  options={[
                    ["conversations", "Conversations"],
                    ["ai_involved", "AI involved"],
                    ["handoffs", "Hand-offs"],
                    ["agent_replies", "Agent replies"],
                    ["csat", "CSAT"],
                    ["first_response_p50", "First response (median)"],
                    ["calls", "Calls"],
                    ["call_minutes", "Call minutes"],
                    ["ai_spend", "AI spend (USD)"],
                  ]}
                />
                <Select
                  label="Interval"
                  value={interval}
                  onValue={setInterval}
                  options={[
                    ["day", "Day"],
                    ["week", "Week"],
                  ]}
                />
              </div>
            </div>
            {series.data ? (
              <LineChart
                title={`${metric.replaceAll("_", " ")} per ${interval}`}
                points={series.data.points.map((p) => ({ label: p.start, value: p.value }))}
                format={
                  metric === "csat" ? pct : metric === "first_response_p50" ? dur : metric === "ai_spend" ? usd : num
                }
              />
            ) : (
              <Loading />
            )}
          </section>
          <div class="row wrap" style="align-items:stretch;gap:12px">
            <section class="card" style="flex:1;min-width:300px" aria-labelledby="an-handoff">
              <h2 id="an-handoff">Hand-offs</h2>
              <p>
                {s.handoffs.total} hand-offs in {s.handoffs.conversations} conversations ({pct(s.handoffs.rate)})
              </p>
              <BarChart
                title="Hand-off reasons"
                bars={Object.entries(s.handoffs.byReason).map(([label, value]) => ({ label, value }))}
                format={num}
              />
            </section>
            <section class="card" style="flex:1;min-width:300px" aria-labelledby="an-volume">
              <h2 id="an-volume">Volume</h2>
              <p>
                AI messages {s.messages.ai}, agent replies {s.messages.agent} (AI share {pct(s.messages.aiShare)})
              </p>
              <BarChart
                title="Conversations by channel"
                bars={Object.entries(s.volume.byChannel).map(([label, value]) => ({ label, value }))}
                format={num}
              />
            </section>
          </div>
          <section class="card" aria-labelledby="an-times">
            <h2 id="an-times">Response times</h2>
            <table class="table reflow">
              <thead>
                <tr>
                  <th scope="col">Measure</th>
                  <th scope="col">Median</th>
                  <th scope="col">90th percentile</th>
                  <th scope="col">Count</th>
                  {s.businessHours && <th scope="col">Median in business hours</th>}
                  {s.businessHours && <th scope="col">90th percentile in business hours</th>}
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ["Time to a person after a hand-off", s.timeToHumanMs, s.businessHours?.timeToHumanMs],
                    ["First response of a person", s.firstResponseMs, s.businessHours?.firstResponseMs],
                    ["Reply time", s.replyTimeMs, s.businessHours?.replyTimeMs],
                    ["Resolution time", s.resolutionTimeMs, s.businessHours?.resolutionTimeMs],
                  ] as const
                ).map(([label, d, b]) => (
                  <tr key={label}>
                    <th scope="row">{label}</th>
                    <td data-label="Median">{dur(d.p50)}</td>
                    <td data-label="90th percentile">{dur(d.p90)}</td>
                    <td data-label="Count">{d.count}</td>
                    {b && <td data-label="Median, business hours">{dur(b.p50)}</td>}
                    {b && <td data-label="90th percentile, business hours">{dur(b.p90)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
            <p class="muted" data-testid="business-hours-note">
              {s.businessHours
                ? `Business hours: time outside the workspace's opening hours and holidays (${s.businessHours.timezone}) is not counted.`
                : "Set business hours (PUT /api/settings/business-hours) to also see these times in business hours."}
            </p>
            <p class="muted">
              CSAT {pct(s.csat.score)} from {s.csat.ratings} ratings (response rate {pct(s.csat.responseRate)}). AI
              resolutions: {s.aiResolution.confirmed} confirmed, {s.aiResolution.assumed} assumed,{" "}
              {s.aiResolution.pending} pending.
            </p>
          </section>
          <Gaps q={questions.data} error={questions.error} />
          <section class="card" aria-labelledby="an-bots">
            <h2 id="an-bots">Bots</h2>
            <table class="table reflow">
              <thead>
                <tr>
                  <th scope="col">Bot</th>
                  <th scope="col">Conversations</th>
                  <th scope="col">AI involved</th>
                  <th scope="col">AI resolved</th>
                  <th scope="col">Hand-offs</th>
                  <th scope="col">CSAT</th>
                  <th scope="col">AI spend</th>
                </tr>
              </thead>
              <tbody>
                {s.bots.map((b) => (
                  <tr key={b.botId}>
                    <th scope="row">{bots.data?.find((x) => x.id === b.botId)?.name ?? b.botId}</th>
                    <td data-label="Conversations">{b.conversations}</td>
                    <td data-label="AI involved">{b.aiInvolved}</td>
                    <td data-label="AI resolved">{b.aiResolved}</td>
                    <td data-label="Hand-offs">{b.handoffs}</td>
                    <td data-label="CSAT">{pct(b.csat)}</td>
                    <td data-label="AI spend">{usd(b.aiSpendUsd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section class="card" aria-labelledby="an-spend">
            <h2 id="an-spend">AI spend</h2>
            <p>
              {usd(s.aiSpend.costUsd)} for {s.aiSpend.calls} model calls ({s.aiSpend.inputTokens} input and{" "}
              {s.aiSpend.outputTokens} output tokens), priced from the deployment's price table; the embedded answerer
              is free.
            </p>
            {Object.keys(s.aiSpend.byModel).length > 0 && (
              <table class="table reflow">
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">Calls</th>
                    <th scope="col">Input tokens</th>
                    <th scope="col">Output tokens</th>
                    <th scope="col">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(s.aiSpend.byModel).map(([model, m]) => (
                    <tr key={model}>
                      <th scope="row">{model}</th>
                      <td data-label="Calls">{m.calls}</td>
                      <td data-label="Input tokens">{m.inputTokens}</td>
                      <td data-label="Output tokens">{m.outputTokens}</td>
                      <td data-label="Cost">{usd(m.costUsd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section class="card" aria-labelledby="an-voice">
            <h2 id="an-voice">Voice</h2>
            <p>
              {s.voice.calls} calls, {num(s.voice.minutes)} minutes (median {dur(s.voice.durationMs.p50)}), cost{" "}
              {Object.entries(s.voice.cost)
                .map(([cur, v]) => `${num(v)} ${cur}`)
                .join(", ") || "—"}
            </p>
            <BarChart
              title="Call outcomes"
              bars={Object.entries(s.voice.byOutcome).map(([label, value]) => ({ label, value }))}
              format={num}
            />
          </section>
        </>
      )}
    </main>
  );
}

function Gaps({ q, error }: { q: AnalyticsQuestions | null; error: string | null }) {
  return (
    <section class="card" aria-labelledby="an-gaps">
      <h2 id="an-gaps">Knowledge gaps</h2>
      <p class="muted">Questions the AI could not answer or that ended with a person, grouped.</p>
      {q?.sampled && (
        <p class="muted">
          A busy range: the latest 1,000 questions of each list are grouped, so these counts are within that sample.
        </p>
      )}
      <ErrorNote error={error} />
      {!q ? (
        <Loading />
      ) : !q.gaps.length ? (
        <p>No unanswered questions in this range.</p>
      ) : (
        <ol>
          {q.gaps.map((g) => (
            <Gap key={g.label} label={g.label} count={g.count} examples={g.examples} />
          ))}
        </ol>
      )}
      <h3>Common questions</h3>
      {q && (
        <ul>
          {q.topics.slice(0, 10).map((t) => (
            <li key={`${t.source}:${t.label}`}>
              {t.label} — {t.count} <span class="muted">(before: {t.previous})</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Gap({ label, count, examples }: { label: string; count: number; examples: string[] }) {
  const [open, setOpen] = useState(false);
  const [answer, setAnswer] = useState("");
  const [done, setDone] = useState(false);
  const add = useAction(async () => {
    await api.knowledge.addText({ type: "qa", question: label, answer });
    setDone(true);
    setOpen(false);
  });
  return (
    <li>
      <strong>{label}</strong> <span class="muted">· asked {count}×</span>
      {examples.length > 1 && <div class="muted">Also: {examples.slice(1).join(" · ")}</div>}
      {done ? (
        <p role="status">Added to the knowledge base.</p>
      ) : open ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void add.run();
          }}
        >
          <Area
            label={`Answer to “${label}”`}
            value={answer}
            onValue={setAnswer}
            required
            maxLength={4000}
            error={fieldError(add.fields, "answer")}
          />
          <ErrorNote error={add.summary(["answer"])} />
          <button type="submit" class="btn primary small" disabled={!answer.trim() || add.busy}>
            Add to knowledge
          </button>
        </form>
      ) : (
        can("knowledge:write") && (
          <button type="button" class="btn small" onClick={() => setOpen(true)}>
            Add the answer
          </button>
        )
      )}
    </li>
  );
}
