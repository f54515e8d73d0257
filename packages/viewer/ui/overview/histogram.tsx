import { useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { formatMs, formatTick } from '../format';
import type { Stats } from '../types';
import { AXIS, takeSelection, useUplot } from './chart';

interface Props {
  stats: Stats;
  /** The duration filter now applied (drawn shaded). */
  range: [number | undefined, number | undefined];
  onBrush(range: [number, number]): void;
}

const MARKERS: [keyof Stats, string, string][] = [
  ['p50', 'p50', '#1d6b3a'],
  ['p90', 'p90', '#9a5b00'],
  ['p99', 'p99', '#b42318'],
];

/** Latency histogram (log-scaled when the tail is long) with p50/p90/p99 markers; drag to filter. */
export function Histogram({ stats, range, onBrush }: Props) {
  const brush = useRef(onBrush);
  brush.current = onBrush;
  const buckets = stats.histogram;
  const { ref } = useUplot(
    (width) => {
      if (buckets.length === 0) return null;
      const lo = Math.max(buckets[0]!.startMs, 0.001);
      const hi = Math.max(buckets[buckets.length - 1]!.endMs, lo * 1.01);
      // Equal-width buckets (the server's) get a linear axis; log-spaced ones (computed here) a log axis.
      const widths = buckets.map((b) => b.endMs - b.startMs);
      const equal = Math.max(...widths) - Math.min(...widths) <= Math.max(...widths) * 0.02;
      const log = !equal && hi / lo > 10;
      const maxCount = Math.max(1, ...buckets.map((b) => b.count));
      const xs = buckets.map((b) => Math.max(b.startMs, lo));
      const ys = buckets.map((b) => b.count);
      const drawBars = (u: uPlot) => {
        const ctx = u.ctx;
        const y0 = u.valToPos(0, 'y', true);
        ctx.save();
        for (const b of buckets) {
          if (b.count === 0) continue;
          const x0 = u.valToPos(Math.max(b.startMs, lo), 'x', true);
          const x1 = u.valToPos(b.endMs, 'x', true);
          const y = u.valToPos(b.count, 'y', true);
          ctx.fillStyle = '#4f7fe8';
          ctx.fillRect(x0 + 0.5, y, Math.max(1, x1 - x0 - 1), y0 - y);
        }
        const [rmin, rmax] = range;
        if (rmin !== undefined || rmax !== undefined) {
          const a = u.valToPos(Math.max(rmin ?? lo, lo), 'x', true);
          const b = u.valToPos(Math.min(rmax ?? hi, hi), 'x', true);
          ctx.fillStyle = 'rgba(37, 87, 214, 0.12)';
          ctx.fillRect(a, u.bbox.top, Math.max(2, b - a), u.bbox.height);
        }
        ctx.font = `600 ${11 * devicePixelRatio}px system-ui, sans-serif`;
        ctx.textBaseline = 'top';
        // Labels of close markers (p90 and p99 often are) go on successive lines.
        let lastX = Number.NEGATIVE_INFINITY;
        let line = 0;
        for (const [key, label, color] of MARKERS) {
          const v = stats[key] as number | undefined;
          if (v === undefined || v <= 0) continue;
          const x = Math.round(u.valToPos(Math.min(Math.max(v, lo), hi), 'x', true));
          ctx.strokeStyle = color;
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          line = x - lastX < 34 * devicePixelRatio ? line + 1 : 0;
          lastX = x;
          const width = ctx.measureText(label).width;
          // Near the right edge the label goes left of its line.
          const tx =
            x + 3 * devicePixelRatio + width > u.bbox.left + u.bbox.width
              ? x - 3 * devicePixelRatio - width
              : x + 3 * devicePixelRatio;
          ctx.fillStyle = color;
          ctx.fillText(label, tx, u.bbox.top + (2 + line * 13) * devicePixelRatio);
        }
        ctx.restore();
      };
      const opts: uPlot.Options = {
        width,
        height: 170,
        legend: { show: false },
        padding: [12, 12, 0, 4],
        cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false }, y: false },
        scales: {
          x: { time: false, distr: log ? 3 : 1, range: [lo, hi] },
          y: { range: [0, maxCount * 1.12] },
        },
        axes: [
          { ...AXIS, values: (_u, vals) => vals.map((v) => formatTick(v)), size: 28 },
          {
            ...AXIS,
            size: 40,
            values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? String(v) : '')),
          },
        ],
        series: [{}, { label: 'traces', stroke: 'transparent', paths: () => null, points: { show: false } }],
        hooks: {
          draw: [drawBars],
          setSelect: [
            (u) => {
              const r = takeSelection(u);
              if (r) brush.current(r);
            },
          ],
        },
      };
      return { opts, data: [xs, ys] };
    },
    [stats, range[0], range[1]],
  );
  return (
    <figure class="chart" aria-label="Latency histogram">
      <figcaption>
        Latency distribution
        <span class="chart-hint">drag to filter by duration</span>
      </figcaption>
      <div ref={ref} class="chart-canvas" data-testid="histogram" />
      <ul class="markers" aria-label="Percentiles">
        {MARKERS.map(([key, label]) => (
          <li key={label} class={`marker marker-${label}`}>
            {label} <strong>{formatMs(stats[key] as number)}</strong>
          </li>
        ))}
      </ul>
    </figure>
  );
}
