import { describe, expect, it } from 'vitest';
import { REDACTED, redactText, redactUrl } from './describe.js';

describe('credentials cut out of URLs in text (export failure messages)', () => {
  it('a password holding a raw "@" is cut out whole, the host kept', () => {
    const text = redactText('POST https://ingest:p@ss-s3cret@127.0.0.1:9/v1/traces failed: ECONNREFUSED');
    expect(text).toBe(`POST https://${REDACTED}@127.0.0.1:9/v1/traces failed: ECONNREFUSED`);
  });

  it('each URL of the text on its own; secret query values too; other text untouched', () => {
    expect(redactText('from http://a:x@h1/p to https://tok@h2?api_key=k&tenant=t, mail me@example.com')).toBe(
      `from http://${REDACTED}@h1/p to https://${REDACTED}@h2?api_key=${REDACTED}&tenant=t, mail me@example.com`,
    );
  });

  it('a URL that does not parse loses its credentials the same way', () => {
    expect(redactUrl('http://user:p@ss@[bad-host/x?token=t')).toBe(
      `http://${REDACTED}@[bad-host/x?token=${REDACTED}`,
    );
  });
});
