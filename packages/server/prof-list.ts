import { listTraces } from './src/store/queries.js';
import { TraceStore } from './src/store/store.js';

const store = await TraceStore.open({ db: ':memory:' });
await store.db.writer.run(`INSERT INTO traces SELECT md5(i::VARCHAR), 'request-' || (i % 7), CASE WHEN i % 20 = 0 THEN 'error' ELSE 'ok' END, 1.7e12 + i * 10, 1.7e12 + i * 10 + 50, 50 + i % 100, 10, 0, 's' || (i % 500), 'u', ['prod'], 'm', 1, 2, 3, 'svc', 'r', true, i,
  json_object('traceId', md5(i::VARCHAR), 'name', 'request', 'startMs', 1.7e12 + i * 10, 'input', repeat('x', 600), 'output', repeat('y', 400)) FROM range(100000) t(i)`);
const old = async () =>
  store.db.rows(
    `SELECT CAST(summary AS VARCHAR) FROM traces t ORDER BY t.start_ms DESC, t.trace_id DESC LIMIT 51`,
  );
for (const [label, f] of [
  ['old', old],
  ['new', () => listTraces(store, {}, 50)],
  ['old', old],
  ['new', () => listTraces(store, {}, 50)],
] as const) {
  const c = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < 10; i++) await f();
  const u = process.cpuUsage(c);
  console.log(
    label,
    'wall ms',
    ((performance.now() - t) / 10).toFixed(1),
    'cpu ms',
    ((u.user + u.system) / 10000).toFixed(1),
  );
}
await store.close();
