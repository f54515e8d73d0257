import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/**
 * One uPlot chart in a div that follows its container's width. `build` makes the options and data;
 * the chart is rebuilt when `deps` change (cheap at these sizes) and resized on layout changes.
 */
export function useUplot(
  build: (width: number) => { opts: uPlot.Options; data: uPlot.AlignedData } | null,
  deps: unknown[],
): { ref: { current: HTMLDivElement | null }; plot: { current: uPlot | null } } {
  const ref = useRef<HTMLDivElement | null>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const width = Math.max(200, el.clientWidth);
    const made = build(width);
    if (!made) return;
    const u = new uPlot(made.opts, made.data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height: u.height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, deps);
  return { ref, plot };
}

/** Read the drag selection as a value range, and clear it (the filter shows it from now on). */
export function takeSelection(u: uPlot): [number, number] | null {
  const { left, width } = u.select;
  if (width < 3) return null;
  const a = u.posToVal(left, 'x');
  const b = u.posToVal(left + width, 'x');
  u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  return a < b ? [a, b] : [b, a];
}

export const AXIS = {
  stroke: '#3b4454',
  grid: { stroke: '#e6e9ef', width: 1 },
  ticks: { stroke: '#c9ced8', width: 1 },
  font: '11px system-ui, sans-serif',
};
