import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'down' | 'slow' | 'hang' | 'drip' | '401' | '429' | '500' | 'malformed';

/**
 * A generic OTLP/HTTP endpoint that misbehaves on purpose, on 127.0.0.1. `down` is a port that
 * was just closed (connection refused); `drip` answers 200 and then sends a byte every 200 ms. Every request loop is bounded by the client's timeouts.
 */
export async function startFaultServer(
  fault: Fault,
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      open.add(res);
      res.on('close', () => open.delete(res));
      switch (fault) {
        case 'slow': {
          const timer = setTimeout(
            () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
            5000,
          );
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'hang':
          return;
        case 'drip': {
          // 200 at once, then one byte every 200 ms: the response never ends, the socket is
          // never idle. Bounded: it stops by itself after 60 s.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(' ');
          const drip = setInterval(() => res.write(' '), 200);
          const stop = setTimeout(() => res.end('{}'), 60_000);
          res.on('close', () => {
            clearInterval(drip);
            clearTimeout(stop);
          });
          return;
        }
        case '401':
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"unauthorized"}');
          return;
        case '429':
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{}');
          return;
        case '500':
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"boom"}');
          return;
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"partialSuccess": ');
          return;
        default:
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  if (fault === 'down') await close();
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: fault === 'down' ? async () => {} : close,
  };
}
