import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { context } from '@opentelemetry/api';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import { installTestTracing, parentId, spanId, uninstallTestTracing } from '../../../../test/support/otel.js';
import {
  type CallContext,
  fn,
  getTraceId,
  parallel,
  pipeline,
  setLogger,
  setTraceDefaults,
  type TraceContext,
  warp,
} from '../index.js';
import { enterTraceContext, getTraceContext, runWithTraceContext } from '../internal.js';
import { resetValidationWarnings, TRACE_CONTEXT_KEYS } from './validate.js';

// An attacker's view of the trace context (issue 9, items 1–4, 11, 13; DESIGN "Amendments to
// Part 1"), through the public API only, checked on every span the real OTel SDK exports: session,
// user, tags, trace id, parent, content. Many generated cases: configurations × ways of applying
// them × concurrency, streams × ways of consuming them, invalid values.

let exporter: InMemorySpanExporter;
const warnings: string[] = [];
beforeEach(() => {
  ({ exporter } = installTestTracing());
  resetValidationWarnings();
  warnings.length = 0;
  setLogger({ warn: (message: string) => warnings.push(message) });
});
afterEach(() => {
  setTraceDefaults({});
  setLogger(undefined);
});
afterAll(() => uninstallTestTracing());

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));
const micro = () => Promise.resolve();

/** Trace ids seen from inside the calls (ctx.traceId and getTraceId()), by request. */
const seenIds = new Map<string, Set<string | undefined>>();
const see = (q: string, id: string | undefined) => {
  const set = seenIds.get(q) ?? new Set();
  set.add(id);
  seenIds.set(q, set);
};

// The application: awaits, timers, a parallel, an LLM whose answer is content, a step deriving
// from it. Seven calls per request.
const classify = fn(
  async (q: string) => {
    await tick();
    return q;
  },
  { name: 'classify' },
);
const docA = fn(
  async (q: string, ctx: CallContext) => {
    await tick();
    see(q, ctx.traceId);
    return `a:${q}`;
  },
  { name: 'docA', kind: 'retriever' },
);
const docB = fn(
  async (q: string) => {
    await micro();
    see(q, getTraceId());
    return `b:${q}`;
  },
  { name: 'docB', kind: 'retriever' },
);
const lookup = parallel({ a: docA, b: docB }, { name: 'lookup' });
const llm = fn(
  async (found: { a: string; b: string }, ctx: CallContext) => {
    await tick();
    const q = found.a.slice(2);
    see(q, ctx.traceId);
    return `SECRET<${q}>`;
  },
  { name: 'llm', kind: 'llm' },
);
const format = fn((answer: string) => `formatted(${answer})`, { name: 'format' });
const app = pipeline({ classify, lookup, llm, format }, { name: 'app' });
const ALL = ['app', 'classify', 'lookup', 'docA', 'docB', 'llm', 'format'];

interface Expect {
  /** Span names recorded per request. */
  readonly names: readonly string[];
  /** Which spans record content at all. */
  readonly content: 'all' | 'none' | 'no-secret' | 'only-llm';
  /** Parent name of each recorded span (undefined: a request root). */
  readonly parents?: Readonly<Record<string, string | undefined>>;
}

const PARENTS: Readonly<Record<string, string | undefined>> = {
  app: undefined,
  classify: 'app',
  lookup: 'app',
  docA: 'lookup',
  docB: 'lookup',
  llm: 'app',
  format: 'app',
};

const VARIANTS: readonly [string, TraceContext, Expect][] = [
  ['defaults', {}, { names: ALL, content: 'all' }],
  ['enabled: false', { enabled: false }, { names: [], content: 'none' }],
  ['sampled: false', { sampled: false }, { names: [], content: 'none' }],
  ['captureContent: false', { captureContent: false }, { names: ALL, content: 'none' }],
  [
    'byKind llm content off',
    { modules: { byKind: { llm: { captureContent: false } } } },
    { names: ALL, content: 'no-secret' },
  ],
  [
    'byName llm content off',
    { modules: { byName: { llm: { captureContent: false } } } },
    { names: ALL, content: 'no-secret' },
  ],
  [
    'content off, byName llm content on',
    { captureContent: false, modules: { byName: { llm: { captureContent: true } } } },
    { names: ALL, content: 'only-llm' },
  ],
  [
    'byName llm off',
    { modules: { byName: { llm: false } } },
    { names: ALL.filter((n) => n !== 'llm'), content: 'all' },
  ],
  [
    'root switched off (byName app)',
    { modules: { byName: { app: false } } },
    {
      names: ALL.filter((n) => n !== 'app'),
      content: 'all',
      parents: { ...PARENTS, classify: undefined, lookup: undefined, llm: undefined, format: undefined },
    },
  ],
  [
    'root switched off (byClass Pipeline)',
    { modules: { byClass: { Pipeline: { enabled: false } } } },
    {
      names: ALL.filter((n) => n !== 'app'),
      content: 'all',
      parents: { ...PARENTS, classify: undefined, lookup: undefined, llm: undefined, format: undefined },
    },
  ],
  [
    'nested flow off (byClass Parallel)',
    { modules: { byClass: { Parallel: false } } },
    {
      names: ALL.filter((n) => n !== 'lookup'),
      content: 'all',
      parents: { ...PARENTS, docA: 'app', docB: 'app' },
    },
  ],
  [
    'nested flow off (byName lookup)',
    { modules: { byName: { lookup: { enabled: false } } } },
    {
      names: ALL.filter((n) => n !== 'lookup'),
      content: 'all',
      parents: { ...PARENTS, docA: 'app', docB: 'app' },
    },
  ],
  [
    'retrievers off (byKind)',
    { modules: { byKind: { retriever: false } } },
    { names: ALL.filter((n) => !n.startsWith('doc')), content: 'all' },
  ],
  [
    'root switched off, llm content off',
    { modules: { byName: { app: false }, byKind: { llm: { captureContent: false } } } },
    {
      names: ALL.filter((n) => n !== 'app'),
      content: 'no-secret',
      parents: { ...PARENTS, classify: undefined, lookup: undefined, llm: undefined, format: undefined },
    },
  ],
  [
    'root and llm off, llm content off elsewhere',
    { modules: { byName: { app: false, llm: false }, byKind: { llm: { captureContent: false } } } },
    {
      names: ['classify', 'lookup', 'docA', 'docB', 'format'],
      content: 'all',
      parents: { ...PARENTS, classify: undefined, lookup: undefined, format: undefined },
    },
  ],
];

type Mode =
  | 'withTrace'
  | 'setTrace before await'
  | 'setTrace after await'
  | 'nested withTrace'
  | 'setTrace in a timer';

const MODES: readonly Mode[] = [
  'withTrace',
  'setTrace before await',
  'setTrace after await',
  'nested withTrace',
  'setTrace in a timer',
];

/** One "request": an isolated scope (as the HTTP boundary or the middleware gives) applying `config` its way. */
function request(mode: Mode, config: TraceContext, q: string): Promise<unknown> {
  return runWithTraceContext({}, async () => {
    switch (mode) {
      case 'withTrace':
        return runWithTraceContext(config, () => app.invoke(q));
      case 'setTrace before await':
        enterTraceContext(config);
        return app.invoke(q);
      case 'setTrace after await':
        await tick();
        enterTraceContext(config);
        return app.invoke(q);
      case 'nested withTrace': {
        const { sessionId, userId, tags, ...rest } = config;
        return runWithTraceContext({ sessionId, tags }, () =>
          runWithTraceContext({ userId }, async () => {
            await micro();
            return runWithTraceContext(rest, () => app.invoke(q));
          }),
        );
      }
      case 'setTrace in a timer':
        return new Promise((resolve, reject) =>
          setTimeout(() => {
            enterTraceContext(config);
            app.invoke(q).then(resolve, reject);
          }, 1),
        );
    }
  });
}

const recorded = (span: ReadableSpan) =>
  span.attributes['lazytrace.input'] !== undefined || span.attributes['lazytrace.output'] !== undefined;

/** Checks one request's spans (one trace) against `expected`. */
function checkRequest(
  spans: readonly ReadableSpan[],
  q: string,
  ids: { s?: string; u?: string; t?: string[] },
  expected: Expect,
) {
  const names = spans.map((s) => s.name).sort();
  expect([q, names]).toEqual([q, [...expected.names].sort()]);
  if (spans.length === 0) {
    expect([q, [...(seenIds.get(q) ?? [])]]).toEqual([q, [undefined]]);
    return;
  }
  const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
  expect([q, traceIds.size]).toEqual([q, 1]);
  const [traceId] = traceIds;
  // ctx.traceId / getTraceId() in a branch and in the LLM: the request's trace.
  expect([q, [...(seenIds.get(q) ?? [])]]).toEqual([q, [traceId]]);
  const byId = new Map(spans.map((s) => [spanId(s), s]));
  const parents = expected.parents ?? PARENTS;
  for (const span of spans) {
    const where = [q, span.name];
    expect([...where, span.attributes['session.id']]).toEqual([...where, ids.s]);
    expect([...where, span.attributes['user.id']]).toEqual([...where, ids.u]);
    expect([...where, span.attributes['lazytrace.tags']]).toEqual([...where, ids.t]);
    const parent = parentId(span);
    const parentSpan = parent === undefined ? undefined : byId.get(parent);
    expect([...where, parentSpan?.name]).toEqual([...where, parents[span.name]]);
    expect([...where, span.attributes['lazytrace.root'] === true]).toEqual([
      ...where,
      parents[span.name] === undefined,
    ]);
    const text = JSON.stringify(span.attributes);
    switch (expected.content) {
      case 'all':
        expect([...where, recorded(span)]).toEqual([...where, true]);
        break;
      case 'none':
        expect([...where, recorded(span)]).toEqual([...where, false]);
        break;
      case 'no-secret':
        expect([...where, text.includes('SECRET')]).toEqual([...where, false]);
        if (span.name === 'classify' || span.name === 'docA')
          expect([...where, recorded(span)]).toEqual([...where, true]);
        break;
      case 'only-llm':
        expect([...where, recorded(span)]).toEqual([...where, span.name === 'llm']);
        break;
    }
  }
}

const CONCURRENCY = [1, 4];

describe('configurations × ways of applying them × concurrent requests', () => {
  const cases = VARIANTS.flatMap(([label, config, expected]) =>
    MODES.flatMap((mode) => CONCURRENCY.map((n) => [label, mode, n, config, expected] as const)),
  );
  test.each(cases)('%s, %s, %i request(s) at once', async (_label, mode, n, config, expected) => {
    seenIds.clear();
    const runs: Promise<unknown>[] = [];
    const who: Record<string, { s?: string; u?: string; t?: string[] }> = {};
    for (let i = 0; i < n; i++) {
      const q = `q${i}-${Math.random().toString(36).slice(2, 8)}`;
      // Every other request sets no session / user / tags of its own.
      const own = i % 2 === 0 ? { sessionId: `s-${q}`, userId: `u-${q}`, tags: [`t-${q}`, 'shared'] } : {};
      who[q] = i % 2 === 0 ? { s: `s-${q}`, u: `u-${q}`, t: [`t-${q}`, 'shared'] } : {};
      runs.push(
        request(mode, { ...config, ...own }, q).then((out) => expect(out).toBe(`formatted(SECRET<${q}>)`)),
      );
    }
    await Promise.all(runs);
    const spans = exporter.getFinishedSpans();
    for (const q of Object.keys(who)) {
      const traceIdsOfQ = new Set([...(seenIds.get(q) ?? [])]);
      const mine = spans.filter((s) => traceIdsOfQ.has(s.spanContext().traceId));
      checkRequest(mine, q, who[q]!, expected);
    }
    // Nothing else was recorded (no orphan, no stray trace).
    const total = Object.keys(who).length * expected.names.length;
    expect(spans).toHaveLength(total);
    expect(warnings).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Streams: returned from withTrace and consumed later, elsewhere, after a timer, in another
// request's call; errors mid-stream.

const token = fn(
  async (i: number) => {
    await micro();
    return `tok${i}.`;
  },
  { name: 'token', kind: 'llm' },
);

function streamApp(fail: boolean) {
  const ids: (string | undefined)[] = [];
  const sessions: (string | undefined)[] = [];
  const generate = fn(
    async function* generate(q: string, ctx: CallContext) {
      for (let i = 0; i < 3; i++) {
        await tick();
        ids.push(ctx.traceId);
        sessions.push(getTraceContext().sessionId);
        if (fail && i === 2) throw new RangeError(`broken ${q}`);
        yield await token.invoke(i);
      }
      yield `SECRET<${q}>`;
    },
    { name: 'generate', kind: 'llm' },
  );
  return { app: pipeline({ generate }, { name: 'stream-app' }), generate, ids, sessions };
}

async function drain(stream: unknown): Promise<string> {
  let text = '';
  for await (const chunk of stream as AsyncIterable<string>) text += chunk;
  return text;
}

type Consumer = (stream: unknown) => Promise<string>;
const consumer = fn(async (s: unknown) => drain(s), { name: 'consumer' });
const CONSUMERS: readonly [string, Consumer][] = [
  ['at once', drain],
  ['after a timer', async (s) => new Promise((r, j) => setTimeout(() => drain(s).then(r, j), 3))],
  [
    'in another scope',
    (s) =>
      runWithTraceContext(
        { sessionId: 'consumer', userId: 'c', tags: ['c'], enabled: true, captureContent: true },
        () => drain(s),
      ),
  ],
  [
    'in another request’s traced call',
    (s) =>
      runWithTraceContext({ sessionId: 'consumer', userId: 'c', modules: { byKind: { llm: false } } }, () =>
        consumer.invoke(s),
      ) as Promise<string>,
  ],
  [
    'in a request that is off',
    (s) =>
      runWithTraceContext({ enabled: false, sessionId: 'consumer' }, () =>
        consumer.invoke(s),
      ) as Promise<string>,
  ],
  [
    'after setTrace in the consumer',
    async (s) => {
      return runWithTraceContext({}, async () => {
        enterTraceContext({ userId: 'c', captureContent: false });
        await micro();
        return drain(s);
      });
    },
  ],
  [
    'bound to the consumer’s OTel context by a callback',
    (s) =>
      runWithTraceContext({ sessionId: 'consumer' }, () => context.bind(context.active(), () => drain(s))()),
  ],
];

const STREAM_VARIANTS: readonly [string, TraceContext, 'content' | 'none' | 'off' | 'no-secret'][] = [
  ['defaults', {}, 'content'],
  ['captureContent: false', { captureContent: false }, 'none'],
  ['enabled: false', { enabled: false }, 'off'],
  ['sampled: false', { sampled: false }, 'off'],
  ['byKind llm content off', { modules: { byKind: { llm: { captureContent: false } } } }, 'no-secret'],
];

describe('streams returned from withTrace, consumed later or elsewhere', () => {
  const cases = STREAM_VARIANTS.flatMap(([label, config, expect]) =>
    CONSUMERS.flatMap(([how, consume]) =>
      [false, true].map((fail) => [label, how, fail, config, expect, consume] as const),
    ),
  );
  test.each(cases)(
    '%s, consumed %s, error mid-stream: %s',
    async (_l, _h, fail, config, expected, consume) => {
      const { app: sApp, ids, sessions } = streamApp(fail);
      const stream = await runWithTraceContext(
        { ...config, sessionId: 'producer', userId: 'p', tags: ['p'] },
        () => sApp.invoke('q'),
      );
      let text: string | undefined;
      let error: unknown;
      try {
        text = await consume(stream);
      } catch (e) {
        error = e;
      }
      if (fail) {
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toBe('broken q');
      } else {
        expect(error).toBeUndefined();
        expect(text).toBe('tok0.tok1.tok2.SECRET<q>');
      }
      expect(sessions.every((s) => s === 'producer')).toBe(true);
      const spans = exporter.getFinishedSpans().filter((s) => s.name !== 'consumer');
      const tokens = fail ? 2 : 3;
      if (expected === 'off') {
        expect(spans.map((s) => s.name)).toEqual([]);
        expect(ids.every((id) => id === undefined)).toBe(true);
        return;
      }
      expect(spans.map((s) => s.name).sort()).toEqual(
        ['generate', 'stream-app', ...Array(tokens).fill('token')].sort(),
      );
      const root = spans.find((s) => s.name === 'stream-app')!;
      const gen = spans.find((s) => s.name === 'generate')!;
      expect(ids.every((id) => id === root.spanContext().traceId)).toBe(true);
      for (const span of spans) {
        expect([
          span.name,
          span.attributes['session.id'],
          span.attributes['user.id'],
          span.attributes['lazytrace.tags'],
        ]).toEqual([span.name, 'producer', 'p', ['p']]);
        expect(span.spanContext().traceId).toBe(root.spanContext().traceId);
        const text = JSON.stringify(span.attributes);
        if (expected === 'none') expect([span.name, recorded(span)]).toEqual([span.name, false]);
        if (expected === 'no-secret')
          expect([span.name, text.includes('SECRET')]).toEqual([span.name, false]);
      }
      for (const t of spans.filter((s) => s.name === 'token')) expect(parentId(t)).toBe(spanId(gen));
      expect(parentId(gen)).toBe(spanId(root));
      expect(root.attributes['lazytrace.root']).toBe(true);
      if (fail) {
        expect(gen.status.code).toBe(2);
        expect(root.status.code).toBe(2);
      }
      // The consumer's own call belongs to the consumer's request.
      for (const c of exporter.getFinishedSpans().filter((s) => s.name === 'consumer')) {
        expect(c.attributes['session.id']).toBe('consumer');
        expect(c.spanContext().traceId).not.toBe(root.spanContext().traceId);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Invalid values to setTrace / withTrace never throw, never stop the call.

const throwingGetter = Object.defineProperty({}, 'userId', {
  enumerable: true,
  get() {
    throw new Error('getter');
  },
});
const allTraps = new Proxy(
  {},
  {
    get() {
      throw new Error('trap');
    },
    ownKeys() {
      throw new Error('trap');
    },
    getOwnPropertyDescriptor() {
      throw new Error('trap');
    },
    has() {
      throw new Error('trap');
    },
    getPrototypeOf() {
      throw new Error('trap');
    },
  },
);
const revoked = Proxy.revocable({}, {});
revoked.revoke();
const nastyString = {
  toString() {
    throw new Error('toString');
  },
  [Symbol.toPrimitive]() {
    throw new Error('toPrimitive');
  },
};
const arrayLengthThrows = new Proxy([], {
  get(target, key) {
    if (key === 'length') throw new Error('length');
    return Reflect.get(target, key);
  },
});

const BAD_CONFIGS: readonly [string, unknown][] = [
  ['a number', 42],
  ['a bigint', 42n],
  ['a string', 'session'],
  ['an array', ['a']],
  ['null', null],
  ['a function', () => 1],
  ['a symbol', Symbol('x')],
  ['true', true],
  ['a throwing getter', throwingGetter],
  ['an all-traps Proxy', allTraps],
  ['a revoked Proxy', revoked.proxy],
  ['a Map', new Map([['userId', 'x']])],
  ['a Date', new Date(0)],
  ['a frozen null-prototype object', Object.freeze(Object.assign(Object.create(null), { userId: 7 }))],
  ['an object with __proto__ own key', JSON.parse('{"__proto__": {"userId": "evil"}, "tags": ["x"]}')],
];

const BAD_VALUES: readonly [string, unknown][] = [
  ['a number', 42],
  ['NaN', Number.NaN],
  ['a bigint', 2n ** 70n],
  ['an empty array', []],
  ['an array of two', ['a', 'b']],
  ['an array of one number', [7]],
  ['an array holding null', [null]],
  ['null', null],
  ['an object', { a: 1 }],
  ['a Proxy', allTraps],
  ['a revoked Proxy', revoked.proxy],
  ['an object whose toString throws', nastyString],
  ['a symbol', Symbol('s')],
  ['a function', () => 'x'],
  ['a throwing-length array', arrayLengthThrows],
  ['a string', 'ok'],
  ['boolean true', true],
  ['an object with a throwing getter', throwingGetter],
];

const leaf = fn(async (x: number) => x + 1, { name: 'leaf' });

describe('invalid values to setTrace / withTrace never throw and never change the answer', () => {
  const entries: [string, string, unknown][] = [
    ...BAD_CONFIGS.map(
      ([label, value]) => ['(whole configuration)', label, value] as [string, string, unknown],
    ),
    ...TRACE_CONTEXT_KEYS.flatMap((key) =>
      BAD_VALUES.map(([label, value]) => [key, label, { [key]: value }] as [string, string, unknown]),
    ),
    ...BAD_VALUES.map(
      ([label, value]) =>
        ['metadata.plan', label, { metadata: { plan: value } }] as [string, string, unknown],
    ),
    ...BAD_VALUES.map(
      ([label, value]) =>
        ['modules.byName.leaf', label, { modules: { byName: { leaf: value } } }] as [string, string, unknown],
    ),
  ];
  test.each(entries)('%s: %s', async (_key, _label, config) => {
    const viaWith = await runWithTraceContext(config as TraceContext, () => leaf.invoke(1));
    expect(viaWith).toBe(2);
    const viaSet = await runWithTraceContext({}, async () => {
      enterTraceContext(config as TraceContext);
      await micro();
      enterTraceContext(config as TraceContext);
      return leaf.invoke(2);
    });
    expect(viaSet).toBe(3);
    // getTraceContext stays readable and of the right types.
    await runWithTraceContext(config as TraceContext, async () => {
      const tc = getTraceContext();
      expect(typeof tc.enabled).toBe('boolean');
      expect(Array.isArray(tc.tags)).toBe(true);
      for (const tag of tc.tags) expect(typeof tag).toBe('string');
      for (const v of Object.values(tc.metadata)) expect(typeof v).toBe('string');
      expect(tc.sessionId === undefined || typeof tc.sessionId === 'string').toBe(true);
      expect(tc.userId === undefined || typeof tc.userId === 'string').toBe(true);
    });
    // Whatever was kept, the spans carry attributes of valid OTel types only.
    for (const span of exporter.getFinishedSpans()) {
      for (const value of Object.values(span.attributes)) {
        expect(['string', 'number', 'boolean', 'object']).toContain(typeof value);
        if (typeof value === 'object') expect(Array.isArray(value)).toBe(true);
      }
    }
    // One warning per field at most, however often it happened.
    expect(new Set(warnings).size).toBe(warnings.length);
  });

  it.each([
    ['a promise', Promise.resolve({ userId: 'x' }), 'promise'],
    ['a Map', new Map([['userId', 'x']]), 'Map'],
    ['a Set', new Set(['userId']), 'Set'],
  ])('%s is not silently read as no settings: one warning says what it got', async (_label, config, word) => {
    for (let i = 0; i < 3; i++)
      expect(await runWithTraceContext(config as never, () => leaf.invoke(1))).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(word);
    expect(exporter.getFinishedSpans()[0]!.attributes['user.id']).toBeUndefined();
  });

  it('a non-function fn to withTrace is the only thing that throws', () => {
    expect(() => runWithTraceContext({}, 42 as never)).toThrow(TypeError);
  });

  it('what is unambiguous is converted (userId: 42, a one-element header array, bigints)', async () => {
    const spans = () => exporter.getFinishedSpans();
    await runWithTraceContext(
      {
        userId: 42,
        sessionId: ['s'],
        tags: [1, 'b', 'b'],
        metadata: { plan: 3, ok: true, big: 5n },
        traceName: 7n,
      } as never,
      () => leaf.invoke(1),
    );
    const a = spans()[0]!.attributes;
    expect([a['user.id'], a['session.id'], a['lazytrace.tags'], a['lazytrace.trace.name']]).toEqual([
      '42',
      's',
      ['1', 'b'],
      '7',
    ]);
    expect([a['lazytrace.metadata.plan'], a['lazytrace.metadata.ok'], a['lazytrace.metadata.big']]).toEqual([
      '3',
      'true',
      '5',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// "Content off holds everywhere" is a value match: it must not hide what it should not.

describe('content withheld by value: only the request and the flow that got the value', () => {
  const off = { modules: { byName: { counter: { captureContent: false } } } };
  const counter = fn(() => 1, { name: 'counter' });
  const one = fn(() => 1, { name: 'one' });
  const hello = fn(() => 'hello', { name: 'hello' });

  it('a 1 returned by a call with content off does not blank an unrelated 1 in a parallel branch', async () => {
    const flow = parallel(
      { c: pipeline([counter], { name: 'counted' }), o: pipeline([tickFn, one], { name: 'other' }) },
      { name: 'par' },
    );
    await runWithTraceContext(off, () => flow.invoke('x'));
    const spans = exporter.getFinishedSpans();
    expect(spans.find((s) => s.name === 'one')!.attributes['lazytrace.output']).toBe('1');
    expect(spans.find((s) => s.name === 'counter')!.attributes['lazytrace.output']).toBeUndefined();
  });

  it('nor a 1 in another request that runs at the same time or later', async () => {
    const withCounter = pipeline([counter, (n: number) => n * 0], { name: 'with-counter' });
    await Promise.all([
      runWithTraceContext(off, () => withCounter.invoke(null)),
      runWithTraceContext({}, async () => {
        await tick(2);
        return one.invoke(null);
      }),
    ]);
    await one.invoke(null);
    const ones = exporter.getFinishedSpans().filter((s) => s.name === 'one');
    expect(ones.map((s) => s.attributes['lazytrace.output'])).toEqual(['1', '1']);
  });

  it('nor a value of a call that ended before the content-off call, or that started before it ended', async () => {
    const early = fn(() => 1, { name: 'early' });
    const slow = fn(
      async () => {
        await tick(3);
        return 1;
      },
      { name: 'slow' },
    );
    const lateCounter = fn(
      async () => {
        await tick(1);
        return 1;
      },
      { name: 'counter' },
    );
    const flow = pipeline(
      [
        early,
        (n: number) => `x${n}`,
        parallel([lateCounter, slow], { name: 'both' }),
        (x: number[]) => x.length,
      ],
      { name: 'flow' },
    );
    await runWithTraceContext(off, () => flow.invoke(null));
    const spans = exporter.getFinishedSpans();
    expect(spans.find((s) => s.name === 'early')!.attributes['lazytrace.output']).toBe('1');
    expect(spans.find((s) => s.name === 'slow')!.attributes['lazytrace.output']).toBe('1');
  });

  it('but the value itself, and what derives from it, stays withheld in the flow that got it', async () => {
    const secret = fn(() => 'the secret', { name: 'counter' });
    const shout = fn((s: string) => s.toUpperCase(), { name: 'shout' });
    const echo = fn((s: string) => s, { name: 'echo' });
    const flow = pipeline({ secret, shout, echo }, { name: 'flow' });
    // `hello` gets the request's input, never the secret: it is recorded; `again` gets the secret.
    const nested = pipeline(
      {
        both: parallel({ first: flow, hello }, { name: 'both' }),
        again: (r: { first: string }) => echo.invoke(r.first),
      },
      { name: 'outer' },
    );
    const out = await runWithTraceContext(off, () => nested.invoke('q'));
    expect(out).toBe('THE SECRET');
    const text = JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes));
    expect(text).not.toContain('the secret');
    expect(text).not.toContain('THE SECRET');
    expect(exporter.getFinishedSpans().find((s) => s.name === 'hello')!.attributes['lazytrace.output']).toBe(
      '"hello"',
    );
  });

  it.each([
    ['a flow switched off', { byName: { inner: false } }],
    ['a root switched off', { byName: { outer: false } }],
    ['both switched off', { byName: { inner: false, outer: false } }],
  ])('through %s, the value is still withheld from the steps it flows into', async (_label, modules) => {
    const secret = fn(async () => 'SECRET-VALUE', { name: 'counter' });
    const inner = pipeline({ secret, pass: (x: string) => x }, { name: 'inner' });
    const outer = pipeline(
      {
        inner,
        format: (x: string) => `[${x}]`,
        other: parallel({ len: (x: string) => x.length, hello }, { name: 'other' }),
      },
      { name: 'outer' },
    );
    const out = await runWithTraceContext(
      { modules: { ...modules, byName: { ...modules.byName, counter: { captureContent: false } } } },
      () => outer.invoke('q'),
    );
    expect(out).toEqual({ len: 14, hello: 'hello' });
    const text = JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes));
    expect(text).not.toContain('SECRET-VALUE');
    // `hello` gets `format`'s output, derived from the value: withheld too.
    const helloSpan = exporter.getFinishedSpans().find((s) => s.name === 'hello')!;
    expect(helloSpan.attributes['lazytrace.output']).toBeUndefined(); // its input derives from the value
  });

  it.each(['joins it', 'joins it after a timer', 'hands it to another call'])(
    'a stream with content off, consumed by the next step that %s: the text is not recorded',
    async (how) => {
      const words = fn(
        async function* words() {
          for (const w of ['the ', 'secret ', 'words']) {
            await tick();
            yield w;
          }
        },
        { name: 'counter', kind: 'llm' },
      );
      const joinText = async (stream: AsyncIterable<string>) => {
        let text = '';
        for await (const chunk of stream) text += chunk;
        return text;
      };
      const join = fn(
        async (stream: AsyncIterable<string>) => {
          if (how === 'joins it after a timer') await tick(3);
          if (how === 'hands it to another call') return fn(joinText, { name: 'inner-join' }).invoke(stream);
          return joinText(stream);
        },
        { name: 'join' },
      );
      const flow = pipeline({ words, join, tail: (t: string) => t.length }, { name: 'flow' });
      expect(await runWithTraceContext(off, () => flow.invoke('q'))).toBe(16);
      const text = JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes));
      expect(text).not.toContain('secret');
    },
  );

  it('a finished request keeps nothing reachable from the next one', async () => {
    const refs: WeakRef<object>[] = [];
    const big = fn(
      () => {
        const value = { payload: 'x'.repeat(1000) };
        refs.push(new WeakRef(value));
        return value;
      },
      { name: 'counter' },
    );
    const flow = pipeline([big, (o: { payload: string }) => o.payload.length], { name: 'big-flow' });
    for (let i = 0; i < 5; i++) {
      expect(await runWithTraceContext(off, () => flow.invoke(null))).toBe(1000);
    }
    await one.invoke(null);
    // A few rounds: pending promise jobs of the finished requests let go over a few turns.
    for (let round = 0; round < 5 && refs.some((r) => r.deref() !== undefined); round++) {
      await tick(5);
      forceGc();
    }
    expect(refs).toHaveLength(5);
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
  });
});

/** A full collection, without starting Node with --expose-gc. */
function forceGc(): void {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
}

const tickFn = fn(
  async (x: unknown) => {
    await tick(3);
    return x;
  },
  { name: 'tick' },
);

// ---------------------------------------------------------------------------------------------
// Warp branches, setTrace inside a module, and a module's scope not leaking out.

describe('inside the calls', () => {
  it.each([1, 3, 8])(
    'warp of %i items: each item’s calls are children of the warp, in the request’s trace',
    async (n) => {
      const item = fn(
        async (_x: number, ctx: CallContext) => {
          await tick();
          return ctx.traceId;
        },
        { name: 'item' },
      );
      const w = warp(item, { name: 'w' });
      const [a, b] = await Promise.all([
        runWithTraceContext({ sessionId: 'A' }, () => w.invoke(Array.from({ length: n }, (_, i) => i))),
        runWithTraceContext({ sessionId: 'B' }, () => w.invoke([0])),
      ]);
      const spans = exporter.getFinishedSpans();
      const roots = spans.filter((s) => s.name === 'w');
      expect(roots).toHaveLength(2);
      for (const [ids, session] of [
        [a, 'A'],
        [b, 'B'],
      ] as const) {
        const root = roots.find((r) => r.attributes['session.id'] === session)!;
        for (const id of ids as string[]) expect(id).toBe(root.spanContext().traceId);
        const items = spans.filter((s) => s.name === 'item' && parentId(s) === spanId(root));
        expect(items).toHaveLength((ids as string[]).length);
        for (const s of items) expect(s.attributes['session.id']).toBe(session);
      }
    },
  );

  it.each(['sync', 'before await', 'after await'] as const)(
    'setTrace in a module body (%s) applies to that module’s call, not to the code that called it',
    async (when) => {
      const child = fn(async () => getTraceContext().userId, { name: 'child' });
      const setter = fn(
        async () => {
          if (when === 'after await') await micro();
          enterTraceContext({ userId: 'inside' });
          return child.invoke(null);
        },
        { name: 'setter' },
      );
      const syncSetter = fn(
        () => {
          enterTraceContext({ userId: 'inside' });
          return child.invoke(null);
        },
        { name: 'setter' },
      );
      const after = fn(async () => getTraceContext().userId, { name: 'after' });
      const seen = await runWithTraceContext({ userId: 'outer' }, async () => {
        const inside = await (when === 'sync' ? syncSetter : setter).invoke(null);
        const later = await after.invoke(null);
        return [inside, later, getTraceContext().userId];
      });
      expect(seen).toEqual(['inside', 'outer', 'outer']);
      const spans = exporter.getFinishedSpans();
      expect(spans.find((s) => s.name === 'after')!.attributes['user.id']).toBe('outer');
      expect(spans.find((s) => s.name === 'child')!.attributes['user.id']).toBe('inside');
    },
  );
});

// ---------------------------------------------------------------------------------------------
// A user hook's `pre` / `post` / `finalize` run outside the call's `around`: for a request root
// the active OTel context holds no trace there. `ctx.traceId` reads the call's own context (the
// tracing hook records it at `pre`), so a hook scoring the call on `finalize` gets its trace id.
describe('ctx.traceId in a user hook of a request root', () => {
  it.each(['pre', 'post', 'finalize'] as const)('is the call’s trace id in %s', async (phase) => {
    const seen: Record<string, string | undefined> = {};
    const root = pipeline([fn(async (x: number) => x, { name: 'step' })], { name: 'hooked-root' });
    root.registerHook({
      name: 'reader',
      create: (inv) => ({
        pre: () => {
          seen.pre = inv.traceId;
        },
        post: () => {
          seen.post = inv.traceId;
        },
        finalize: () => {
          seen.finalize = inv.traceId;
        },
      }),
    });
    await root.invoke(1);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'hooked-root')!;
    expect(seen[phase]).toBe(span.spanContext().traceId);
  });
});

// ---------------------------------------------------------------------------------------------
// A context that calls setTrace again and again (a worker loop, a WebSocket's `message`).

describe('setTrace called again and again in one context', () => {
  it('100,000 times, then the defaults change: still readable, nothing thrown, the last values', async () => {
    const seen = await runWithTraceContext({ sessionId: 'loop' }, async () => {
      for (let i = 0; i < 100_000; i++) enterTraceContext({ userId: i, metadata: { i } });
      setTraceDefaults({ tags: ['from-defaults'], metadata: { region: 'eu' } });
      const tc = getTraceContext();
      const out = await fn(() => getTraceContext().userId, { name: 'after-loop' }).invoke(null);
      return [tc.userId, tc.sessionId, tc.tags, tc.metadata, out];
    });
    expect(seen).toEqual(['99999', 'loop', ['from-defaults'], { region: 'eu', i: '99999' }, '99999']);
    expect(exporter.getFinishedSpans()[0]!.attributes['user.id']).toBe('99999');
  });

  it.each([
    ['before', true],
    ['after', false],
  ])('layers merge the same whether the defaults change %s the scopes are entered', async (_l, early) => {
    const defaults = {
      tags: ['d'],
      metadata: { a: 'd', b: 'd' },
      modules: { byName: { x: false } },
      userId: 'du',
    };
    if (early) setTraceDefaults(defaults);
    const tc = await runWithTraceContext(
      { tags: ['o'], metadata: { b: 'o' }, modules: { byName: { y: false } } },
      () =>
        runWithTraceContext({}, async () => {
          enterTraceContext({
            tags: ['i', 'o'],
            metadata: { c: 'i' },
            sessionId: 's',
            modules: { byName: { x: true } },
          });
          await micro();
          enterTraceContext({ captureContent: false, traceName: 'n' });
          if (!early) setTraceDefaults(defaults);
          return getTraceContext();
        }),
    );
    expect(tc).toMatchObject({
      tags: ['d', 'o', 'i'],
      metadata: { a: 'd', b: 'o', c: 'i' },
      modules: { byName: { x: true, y: false } },
      userId: 'du',
      sessionId: 's',
      captureContent: false,
      traceName: 'n',
      enabled: true,
    });
  });
});

describe('a streaming module switched off, its stream consumed in another request’s call', () => {
  it.each(CONSUMERS.map(([how, consume]) => [how, consume] as const))(
    'consumed %s: the calls made while it is pulled stay in the producer’s trace, under its traced parent',
    async (_how, consume) => {
      // The stream is parked by the producer's call, which returns something else: nothing of
      // the producer wraps its pulls.
      const { generate: generateOff } = streamApp(false);
      let parked: unknown;
      const park = fn(
        async (q: string) => {
          parked = await generateOff.invoke(q);
          return 'parked';
        },
        { name: 'stream-app' },
      );
      await runWithTraceContext({ sessionId: 'producer', modules: { byName: { generate: false } } }, () =>
        park.invoke('q'),
      );
      expect(await consume(parked)).toBe('tok0.tok1.tok2.SECRET<q>');
      const spans = exporter.getFinishedSpans().filter((s) => s.name !== 'consumer');
      expect(spans.map((s) => s.name).sort()).toEqual(['stream-app', 'token', 'token', 'token']);
      const root = spans.find((s) => s.name === 'stream-app')!;
      for (const t of spans.filter((s) => s.name === 'token')) {
        expect(parentId(t)).toBe(spanId(root));
        expect(t.spanContext().traceId).toBe(root.spanContext().traceId);
        expect(t.attributes['session.id']).toBe('producer');
      }
    },
  );
});

// Under `enabled: false` / `sampled: false` every call of the request carries "off" (the calls
// below the first share one carrier hook): a stream made by a call *below* the first, parked and
// pulled later from a traced request, still runs its pulls in the request it belongs to, so the
// calls it makes are not recorded in the consumer's trace.
describe('a stream made by a nested call of a request that is off, parked and consumed in a traced one', () => {
  it.each([
    ['enabled: false', { enabled: false }],
    ['sampled: false', { sampled: false }],
  ])('%s: nothing of the producer is recorded', async (_l, config) => {
    const { generate } = streamApp(false);
    let parked: unknown;
    const park = fn(
      async (q: string) => {
        parked = await generate.invoke(q);
        return 'parked';
      },
      { name: 'park' },
    );
    await runWithTraceContext(config, () => pipeline({ park }, { name: 'off-root' }).invoke('q'));
    const text = await runWithTraceContext({ sessionId: 'consumer' }, () => consumer.invoke(parked));
    expect(text).toBe('tok0.tok1.tok2.SECRET<q>');
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['consumer']);
  });
});

// A user hook's `pre` runs before the call's `around`, on the caller's async resource: a
// `setTrace` there must not stay on the caller (its next call would get it) but go to the hooked
// call (hooks/lifecycle.ts runs user phases in the call's context and re-enters the scope).
describe('setTrace in a user hook’s pre', () => {
  it('does not reach the next sibling of the hooked call', async () => {
    const a = fn(async () => 1, { name: 'hooked' });
    a.registerHook({
      name: 'setter',
      create: () => ({
        pre() {
          enterTraceContext({ userId: 'from-hook' });
        },
      }),
    });
    const b = fn(async () => getTraceContext().userId, { name: 'sibling' });
    const out = await runWithTraceContext({ userId: 'req' }, () =>
      pipeline({ a, b }, { name: 'p' }).invoke(null),
    );
    expect(out).toBe('req');
  });
});

describe('setTrace in a user hook’s pre, for the hooked call', () => {
  it('reaches the hooked call’s code and children, not its caller', async () => {
    const child = fn(async () => getTraceContext().userId, { name: 'child' });
    const hooked = fn(async (_x: unknown) => [getTraceContext().userId, await child.invoke(null)], {
      name: 'hooked',
    });
    hooked.registerHook({
      name: 'setter',
      create: () => ({
        pre() {
          enterTraceContext({ userId: 'from-hook' });
        },
      }),
    });
    const out = await runWithTraceContext({ userId: 'req' }, async () => {
      const inner = await hooked.invoke(null);
      return [inner, getTraceContext().userId];
    });
    expect(out).toEqual([['from-hook', 'from-hook'], 'req']);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'child')!;
    expect(span.attributes['user.id']).toBe('from-hook');
  });
});
