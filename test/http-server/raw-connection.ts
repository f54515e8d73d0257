import { connect } from 'node:net';

/**
 * One raw TCP connection to a test server on 127.0.0.1, for what an HTTP client library will not
 * do: pipelined requests, a body sent apart from its headers, odd request lines. The servers under
 * test answer each request with one JSON line ending in `"done":true}`; those are the answers.
 */
export interface RawConnection {
  write(data: string): void;
  /** Resolves once `count` answers have arrived; rejects after 10 s so a test cannot hang. */
  waitForAnswers(count: number): Promise<void>;
}

/** Connects, lets `use` write and wait, always closes the socket, and returns the answers in order. */
export async function overRawConnection<T>(
  port: number,
  use: (connection: RawConnection) => Promise<void>,
): Promise<T[]> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let received = '';
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  const answers = () => [...received.matchAll(/\{[^\r\n]*"done":true\}/g)].map((m) => JSON.parse(m[0]!) as T);
  const waitForAnswers = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${answers().length} of ${count} answers`)),
        10_000,
      );
      const check = () => {
        if (answers().length >= count) {
          clearTimeout(timer);
          socket.off('data', check);
          resolve();
        }
      };
      socket.on('data', check);
      check();
    });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  try {
    await use({ write: (data) => socket.write(data), waitForAnswers });
  } finally {
    socket.destroy();
  }
  return answers();
}

/**
 * Raw requests on one connection: all in one TCP write when `pipelined` (the server parses them
 * back to back), else each written after the previous answer (keep-alive, one after another).
 */
export function rawRequests<T>(port: number, requests: readonly string[], pipelined: boolean): Promise<T[]> {
  return overRawConnection<T>(port, async (connection) => {
    if (pipelined) {
      connection.write(requests.join(''));
      await connection.waitForAnswers(requests.length);
      return;
    }
    for (let i = 0; i < requests.length; i++) {
      connection.write(requests[i]!);
      await connection.waitForAnswers(i + 1);
    }
  });
}
