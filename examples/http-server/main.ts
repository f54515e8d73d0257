/**
 * A plain node:http server traced per request. Try:
 *   curl -H 'x-session-id: s1' -H 'x-user-id: alice' 'http://127.0.0.1:3000/?q=hello'
 * Ctrl-C (SIGINT) or SIGTERM: lazytrace flushes, then the process ends as the signal would end it.
 */
import { initTracing } from '@lazytrace/config';
import { createApp } from './app.js';

initTracing({ serviceName: 'http-example', backends: ['console'], handleSignals: true });

const port = Number(process.env.PORT ?? 3000);
createApp().listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${port}/?q=hello (Ctrl-C to stop)`);
});
