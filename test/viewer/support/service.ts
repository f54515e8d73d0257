import { type RunningServer, startServer } from '@lazytrace/server';
import { type SpanRecord, toOtlpJsonLines } from '@lazytrace/traces';

/**
 * The real trace service (@lazytrace/server) on 127.0.0.1 with an in-memory DuckDB, serving the
 * built viewer. `add` sends spans the way an app's exporter does: OTLP/HTTP JSON to /v1/traces.
 */
export interface Service {
  /** The viewer's URL (ends with `/`). */
  url: string;
  server: RunningServer;
  add(spans: readonly SpanRecord[]): Promise<void>;
  close(): Promise<void>;
}

export async function startService(initial: readonly SpanRecord[] = []): Promise<Service> {
  const server = await startServer({ port: 0, db: ':memory:', files: [], log: null });
  const add = async (spans: readonly SpanRecord[]) => {
    for (const line of toOtlpJsonLines(spans).split('\n')) {
      if (!line.trim()) continue;
      const res = await fetch(`${server.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: line,
      });
      if (!res.ok) throw new Error(`OTLP export rejected: ${res.status} ${await res.text()}`);
    }
    await server.flush();
  };
  try {
    await add(initial);
  } catch (e) {
    await server.close();
    throw e;
  }
  return { url: `${server.url}/`, server, add, close: () => server.close() };
}
