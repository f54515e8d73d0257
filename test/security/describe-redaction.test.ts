import { describeTracing, initTracing, shutdownTracing } from '@lazytrace/config';
import { fn, setLogger } from '@lazytrace/core';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => shutdownTracing());

describe('describeTracing() shows no credentials (issue 9, item 17)', () => {
  it('OTLP URL userinfo, secret query parameters and header values are redacted', () => {
    initTracing({
      backends: ['otlp'],
      otlp: {
        url: 'http://collector-user:s3cr3t-pass@127.0.0.1:9/v1/traces?api_key=k3y-value&token=t0k3n&tenant=acme',
        headers: { authorization: 'Bearer hdr-s3cret', 'x-honeycomb-team': 'team-s3cret' },
      },
    });
    const text = JSON.stringify(describeTracing());
    for (const secret of ['s3cr3t-pass', 'k3y-value', 't0k3n', 'hdr-s3cret', 'team-s3cret']) {
      expect(text).not.toContain(secret);
    }
    const otlp = describeTracing()!.backends[0]!;
    expect(otlp.url).toContain('127.0.0.1:9/v1/traces');
    expect(otlp.url).toContain('tenant=acme');
    expect(otlp.headers).toEqual(['authorization', 'x-honeycomb-team']);
  });

  it('a Langfuse base URL with credentials: shown without them; the public key stays visible', () => {
    initTracing({
      backends: ['langfuse'],
      langfuse: {
        baseUrl: 'https://proxy-user:proxy-s3cret@127.0.0.1:9',
        publicKey: 'pk-lf-visible',
        secretKey: 'sk-lf-never-shown',
      },
    });
    const text = JSON.stringify(describeTracing());
    expect(text).not.toContain('proxy-s3cret');
    expect(text).not.toContain('sk-lf-never-shown');
    expect(text).toContain('pk-lf-visible');
  });

  it('a token given as the URL user name, and secret-looking keys of a custom backend', () => {
    initTracing({
      backends: [
        {
          name: 'custom',
          exporter: new InMemorySpanExporter(),
          description: {
            endpoint: 'https://tok-123456@127.0.0.1/ingest?sig=sig-value',
            apiKey: 'custom-key-value',
            nested: { clientSecret: 'nested-secret', region: 'eu' },
          },
        },
      ],
    });
    const text = JSON.stringify(describeTracing());
    for (const secret of ['tok-123456', 'sig-value', 'custom-key-value', 'nested-secret']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('"region":"eu"');
  });

  it('export failures are reported without the credentials of a URL in their message', async () => {
    const warnings: string[] = [];
    setLogger({ warn: (m) => warnings.push(m) });
    try {
      const failing = {
        name: 'failing',
        exporter: {
          export(_spans: unknown[], done: (r: { code: number; error: Error }) => void) {
            done({
              code: 1,
              error: new Error('cannot reach https://ingest:ingest-s3cret@127.0.0.1:9/v1?api_key=qk-s3cret'),
            });
          },
          shutdown: async () => {},
        },
      };
      initTracing({ backends: [failing], exportMode: 'immediate' });
      await fn(async () => 1, { name: 'one' }).invoke(0);
      await shutdownTracing();
      expect(warnings.join('\n')).toContain('cannot reach https://REDACTED@127.0.0.1:9');
      expect(warnings.join('\n')).not.toMatch(/ingest-s3cret|qk-s3cret/);
    } finally {
      setLogger(undefined);
    }
  });
});
