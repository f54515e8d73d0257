/**
 * The range of a log-scaled duration axis: whole powers of ten around the data, so its ticks fall
 * on 1 ms, 10 ms, 100 ms, 1 s… (a range starting at min / 1.5 made uPlot label 10.1 ms, 101 ms,
 * 1.01 s). Durations at or below zero are not drawn on a log axis; the floor is 0.001 ms.
 */
export function logRange(min: number, max: number): [number, number] {
  const lo = Math.max(min, 0.001);
  const hi = Math.max(max, lo);
  const from = 10 ** Math.floor(Math.log10(lo));
  let to = 10 ** Math.ceil(Math.log10(hi));
  if (to <= from) to = from * 10;
  return [from, to];
}
