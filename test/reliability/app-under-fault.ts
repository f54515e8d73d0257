/**
 * A child process: an HTTP application with lazytrace, serving requests while its tracing backend
 * misbehaves (configured through the environment only). Prints one JSON line with what it saw.
 * Run with the built packages (TSX_TSCONFIG_PATH=bench/tsconfig.json), as users get them.
 */
import type { AddressInfo } from 'node:net';
import { getTracingStats, initTracing, shutdownTracing } from '@lazytrace/config';
import { setLogger } from '@lazytrace/core';
import { answerQuestion, createApp } from '../../examples/http-server/app.js';
import { get } from '../support/http.js';

const unhandled: string[] = [];
process.on('unhandledRejection', (error) => unhandled.push(String(error)));
process.on('uncaughtException', (error) => unhandled.push(`uncaught: ${String(error)}`));
const warnings: string[] = [];
setLogger({ warn: (m) => warnings.push(m) });

const REQUESTS = Number(process.env.REQUESTS ?? 100);

// What the application answers without tracing, for comparison.
const expected = await Promise.all(
  Array.from({ length: REQUESTS }, (_, i) =>
    import('@lazytrace/config').then(({ withTrace }) =>
      withTrace({ enabled: false }, () => answerQuestion.invoke(`q${i}`)),
    ),
  ),
);

initTracing({ serviceName: 'fault-app', exportMode: 'batched', flushOnExit: false });
const server = createApp().listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const port = (server.address() as AddressInfo).port;

const bodies = await Promise.all(
  Array.from({ length: REQUESTS }, (_, i) => get(port, `/?q=q${i}`, { 'x-session-id': `s${i}` })),
);
const answers = bodies.map((b) => (JSON.parse(b) as { answer?: string }).answer);
const sameResults = answers.every((a, i) => a === expected[i]);

await new Promise((r) => server.close(r));
const shutdownStarted = Date.now();
await shutdownTracing();
const shutdownMs = Date.now() - shutdownStarted;
const stats = getTracingStats();
console.log(
  JSON.stringify({
    sameResults,
    shutdownMs,
    unhandled,
    warnings: warnings.length,
    exitAt: Date.now(),
    stats,
  }),
);
