import { useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { formatTick } from '../format';
import type { TraceSummary } from '../types';
import { AXIS, takeSelection, useUplot } from './chart';
import { logRange } from './log-range';

interface Props {
  traces: TraceSummary[];
  onBrush(range: [Date, Date]): void;
}

/** Duration over time for the traces in the list, errors in red; drag to narrow to a time window. */
export function TimeChart({ traces, onBrush }: Props) {
  const brush = useRef(onBrush);
  brush.current = onBrush;
  const { ref } = useUplot(
    (width) => {
      const pts = traces
        .map((t) => ({ x: Date.parse(t.startTime) / 1000, y: t.durationMs, err: t.status === 'error' }))
        .filter((p) => Number.isFinite(p.x) && p.y > 0)
        .sort((a, b) => a.x - b.x);
      if (pts.length === 0) return null;
      const ys = pts.map((p) => p.y);
      const min = Math.min(...ys);
      const max = Math.max(...ys);
      const log = max / Math.max(min, 0.001) > 20;
      let x0 = pts[0]!.x;
      let x1 = pts[pts.length - 1]!.x;
      if (x1 - x0 < 1) {
        x0 -= 30;
        x1 += 30;
      }
      const opts: uPlot.Options = {
        width,
        height: 150,
        legend: { show: false },
        padding: [10, 12, 0, 4],
        cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false }, y: false },
        scales: {
          x: { time: true, range: [x0, x1] },
          y: { distr: log ? 3 : 1, range: log ? logRange(min, max) : [0, max * 1.1] },
        },
        axes: [
          { ...AXIS, size: 28 },
          { ...AXIS, size: 60, values: (_u, vals) => vals.map((v) => formatTick(v)) },
        ],
        series: [
          {},
          {
            label: 'ok',
            stroke: '#2557d6',
            fill: '#2557d6',
            paths: () => null,
            points: { show: true, size: 5, fill: '#2557d6', width: 0 },
          },
          {
            label: 'error',
            stroke: '#c0262d',
            fill: '#c0262d',
            paths: () => null,
            points: { show: true, size: 6, fill: '#c0262d', width: 0 },
          },
        ],
        hooks: {
          setSelect: [
            (u) => {
              const r = takeSelection(u);
              if (r) brush.current([new Date(r[0] * 1000), new Date(r[1] * 1000)]);
            },
          ],
        },
      };
      const data: uPlot.AlignedData = [
        pts.map((p) => p.x),
        pts.map((p) => (p.err ? null : p.y)),
        pts.map((p) => (p.err ? p.y : null)),
      ];
      return { opts, data };
    },
    [traces],
  );
  return (
    <figure class="chart" aria-label="Duration over time">
      <figcaption>
        Duration over time
        <span class="chart-hint">drag to filter by time</span>
      </figcaption>
      <div ref={ref} class="chart-canvas" data-testid="timechart" />
    </figure>
  );
}
