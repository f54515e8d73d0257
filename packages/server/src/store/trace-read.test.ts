import {
  buildTrace,
  type DetailLevel,
  fromOtlpRequest,
  type SpanRecord,
  toOtlpRequest,
} from '@lazytrace/traces';
import { describe, expect, it } from 'vitest';
import { getJson, postJson, testServer } from '../testing/harness.js';
import { TraceStore } from './store.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const T0 = 1_795_376_676_495;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * A large trace using every field a stored span can carry, absent and present: parent links
 * (and missing parents), trace state, status messages, links, scopes with and without a version,
 * events, resources, and text that JSON must escape (quotes, backslashes, control characters,
 * non-ASCII, astral characters), numbers of every shape.
 */
function largeTrace(size: number): SpanRecord[] {
  const spans: SpanRecord[] = [];
  for (let i = 0; i < size; i++) {
    const startMs = T0 + (i % 2 === 0 ? i * 3 : i * 3 - 1) + (i % 7) / 8;
    const durationMs = i === 0 ? size * 4 : 1 + (i % 5) * 1.25;
    const attributes: Record<string, unknown> = {
      'lazytrace.kind': i % 3 === 0 ? 'llm' : 'tool',
      'lazytrace.input': JSON.stringify({
        step: i,
        text: `quote " backslash \\ tab \t é ✓ 😀 ${'p'.repeat(i % 700)}`,
      }),
      'lazytrace.output': i % 4 === 0 ? `line\nbreak \u0001 ${'c'.repeat(i % 600)}` : undefined,
      'gen_ai.request.model': i % 3 === 0 ? `model-${i % 2}` : undefined,
      'gen_ai.usage.input_tokens': i % 3 === 0 ? 120 + i : undefined,
      'gen_ai.usage.output_tokens': i % 3 === 0 ? '30' : undefined,
      'big.int': '9007199254740993',
      ratio: i / 7,
      flag: i % 2 === 0,
      list: [1, 'two', { three: 3 }],
    };
    for (const key of Object.keys(attributes)) if (attributes[key] === undefined) delete attributes[key];
    if (i === 0) Object.assign(attributes, { 'lazytrace.root': true, 'session.id': 's-1', 'user.id': 'u-1' });
    const span: SpanRecord = {
      traceId: TRACE,
      spanId: hex(i + 1, 16),
      name: i === 0 ? 'request "big"' : `step-${i % 9} ✓`,
      kind: i % 3 === 0 ? 'llm' : 'tool',
      spanKind: i % 6,
      startTimeUnixNano: `${BigInt(Math.round(startMs * 1e6))}`,
      endTimeUnixNano: `${BigInt(Math.round((startMs + durationMs) * 1e6))}`,
      startMs,
      endMs: startMs + durationMs,
      durationMs,
      status: i % 11 === 0 && i > 0 ? 'error' : i % 5 === 0 ? 'ok' : 'unset',
      attributes,
      events:
        i % 11 === 0 && i > 0
          ? [
              {
                name: 'exception',
                timeUnixNano: '1',
                timeMs: T0 + i,
                attributes: { 'exception.message': `boom ${i} "x"` },
              },
            ]
          : [],
      resource: i % 13 === 0 ? { 'service.name': 'other', 'host.name': 'h' } : { 'service.name': 'app' },
    };
    // Every 10th span's parent lies deeper in the trace, every 97th never arrived (an orphan).
    if (i > 0)
      span.parentSpanId = i % 97 === 0 ? hex(900_000 + i, 16) : hex(i % 10 === 0 ? Math.floor(i / 2) : 1, 16);
    if (i % 4 === 1) span.traceState = 'vendor=a,other=b';
    if (i % 11 === 0 && i > 0) span.statusMessage = `failed: "${i}" \\`;
    if (i % 8 === 3) span.links = [{ traceId: TRACE, spanId: hex(1, 16), attributes: { reason: 'retry' } }];
    if (i % 5 !== 4) span.scope = i % 2 === 0 ? { name: 'lib', version: '1.0.0' } : { name: 'lib' };
    spans.push(span);
  }
  return spans;
}

/** Records as the OTLP reader makes them, in the order the store answers: by start, then arrival. */
function expectedRecords(spans: SpanRecord[]): SpanRecord[] {
  return fromOtlpRequest(toOtlpRequest(spans)).sort((a, b) => a.startMs - b.startMs);
}

describe('reading a large trace back', () => {
  it('the store gives back every field of every span, exactly, in start order', async () => {
    const records = expectedRecords(largeTrace(3000));
    const store = await TraceStore.open({ db: ':memory:' });
    try {
      // In two batches, the second reversed: arrival order must not matter.
      await store.ingest(records.slice(1500));
      await store.ingest(records.slice(0, 1500).reverse());
      const read = await store.traceSpans(TRACE);
      expect(read).toHaveLength(records.length);
      // Ties in start time keep arrival order: compare those groups as sets.
      const key = (s: SpanRecord) => `${s.startMs}/${s.spanId}`;
      expect([...read].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
        [...records].sort((a, b) => key(a).localeCompare(key(b))),
      );
      expect(read.map((s) => s.startMs)).toEqual(records.map((s) => s.startMs));
    } finally {
      await store.close();
    }
  });

  it('GET /api/traces/:id answers what buildTrace makes of the spans, at every level', async () => {
    const spans = largeTrace(3000);
    const records = expectedRecords(spans);
    const server = await testServer();
    try {
      expect((await postJson(server, toOtlpRequest(spans))).status).toBe(200);
      for (const level of ['minimal', 'standard', 'detailed', 'debug'] as DetailLevel[]) {
        const { status, body } = await getJson(server, `/api/traces/${TRACE}?level=${level}`);
        expect(status).toBe(200);
        expect(body).toEqual(JSON.parse(JSON.stringify(buildTrace(records, level))));
      }
    } finally {
      await server.close();
    }
  });
});
