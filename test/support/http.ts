import { type Agent, type OutgoingHttpHeaders, request } from 'node:http';

/** A GET to 127.0.0.1 that resolves with the response body. */
export function get(
  port: number,
  path: string,
  headers: Readonly<OutgoingHttpHeaders> = {},
  agent?: Agent,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { ...headers }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
