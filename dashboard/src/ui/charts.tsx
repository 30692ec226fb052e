/**
 * Hand-drawn SVG charts (issue 16): a line and a bar chart in a few hundred bytes instead of a chart
 * library. Colours come from the theme's variables (dark mode follows); every chart has a text
 * equivalent (a table for screen readers), and the SVG itself is hidden from them.
 */

type Point = { label: string; value: number | null };

const W = 600;
const H = 160;
const PAD = 24;

export function LineChart({
  title,
  points,
  format,
}: {
  title: string;
  points: Point[];
  format: (v: number) => string;
}) {
  const values = points.map((p) => p.value ?? 0);
  const max = Math.max(1, ...values);
  const step = points.length > 1 ? (W - 2 * PAD) / (points.length - 1) : 0;
  const xy = values.map((v, i) => [PAD + i * step, H - PAD - (v / max) * (H - 2 * PAD)] as const);
  return (
    <figure class="chart" style="margin:0">
      <figcaption class="muted">{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} aria-hidden="true" style="overflow:visible">
        <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} stroke="var(--muted)" stroke-width="1" />
        <text x={PAD - 4} y={PAD} text-anchor="end" font-size="11" fill="var(--muted)">
          {format(max)}
        </text>
        <polyline
          points={xy.map(([x, y]) => `${x},${y}`).join(" ")}
          fill="none"
          stroke="var(--accent)"
          stroke-width="2"
        />
        {xy.map(([x, y], i) => (
          <circle key={i} cx={x} cy={y} r="3" fill="var(--accent)" />
        ))}
        {points.length > 0 && (
          <>
            <text x={PAD} y={H - 6} font-size="11" fill="var(--muted)">
              {points[0]!.label}
            </text>
            <text x={W - PAD} y={H - 6} font-size="11" text-anchor="end" fill="var(--muted)">
              {points.at(-1)!.label}
            </text>
          </>
        )}
      </svg>
      <TextTable caption={title} rows={points.map((p) => [p.label, p.value === null ? "—" : format(p.value)])} />
    </figure>
  );
}

export function BarChart({ title, bars, format }: { title: string; bars: Point[]; format: (v: number) => string }) {
  const max = Math.max(1, ...bars.map((b) => b.value ?? 0));
  const rowH = 24;
  return (
    <figure class="chart" style="margin:0">
      <figcaption class="muted">{title}</figcaption>
      {bars.length === 0 ? (
        <p class="muted">Nothing yet.</p>
      ) : (
        <svg viewBox={`0 0 ${W} ${bars.length * rowH}`} width="100%" height={bars.length * rowH} aria-hidden="true">
          {bars.map((b, i) => (
            <g key={b.label} transform={`translate(0 ${i * rowH})`}>
              <text x="0" y="16" font-size="12" fill="currentColor">
                {b.label}
              </text>
              <rect
                x="180"
                y="4"
                height="16"
                rx="3"
                width={Math.max(2, ((b.value ?? 0) / max) * (W - 240))}
                fill="var(--accent)"
              />
              <text x={W - 4} y="16" font-size="12" text-anchor="end" fill="currentColor">
                {format(b.value ?? 0)}
              </text>
            </g>
          ))}
        </svg>
      )}
      <TextTable caption={title} rows={bars.map((b) => [b.label, format(b.value ?? 0)])} />
    </figure>
  );
}

/** The chart's numbers as a table only screen readers see. */
function TextTable({ caption, rows }: { caption: string; rows: string[][] }) {
  return (
    <table class="sr">
      <caption>{caption}</caption>
      <tbody>
        {rows.map((r) => (
          <tr key={r[0]}>
            <th scope="row">{r[0]}</th>
            <td>{r[1]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
