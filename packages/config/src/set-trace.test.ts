import { fn, setLogger, validateTraceContext } from '@lazytrace/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../../../test/support/otel.js';
import { resetValidationWarnings } from '../../core/src/context/validate.js';
import { getTrace, setTrace, withTrace } from './set-trace.js';

// Issue 9, item 11 (DESIGN amendment "Telemetry calls never fail the business call"): on the
// request path, setTrace / withTrace convert what is unambiguous, treat null as "not set", and
// drop anything else with one warning per field. Only start-up configuration throws.

let warnings: string[] = [];
beforeEach(() => {
  warnings = [];
  resetValidationWarnings();
  setLogger({ warn: (message) => warnings.push(message) });
});
afterEach(() => setLogger(undefined));

describe('setTrace / withTrace values (item 11)', () => {
  it('the README’s own userId: user.id — numbers and bigints become strings, in a request handler', async () => {
    const seen = await withTrace({ sessionId: 7, traceName: 12 }, async () => {
      await null;
      setTrace({ userId: 42 });
      const first = getTrace().userId;
      setTrace({ userId: 10n ** 20n });
      return [first, getTrace().userId, getTrace().sessionId, getTrace().traceName];
    });
    expect(seen).toEqual(['42', '100000000000000000000', '7', '12']);
    expect(warnings).toEqual([]);
  });

  it('a repeated header: a one-element array is its value; several values are ambiguous, dropped with one warning', () => {
    withTrace({ sessionId: ['only'], userId: [7] }, () => {
      expect(getTrace()).toMatchObject({ sessionId: 'only', userId: '7' });
    });
    for (let i = 0; i < 50; i++) {
      withTrace({ sessionId: 'outer' }, () =>
        withTrace({ sessionId: ['a', 'b'] }, () => expect(getTrace().sessionId).toBe('outer')),
      );
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /withTrace: "sessionId" must be a string \(an array of several values is ambiguous\), got array/,
    );
  });

  it('null means "not set": outer values stay, nothing is warned', () => {
    withTrace({ sessionId: 's', userId: 'u', tags: ['t'], metadata: { k: 'v' } }, () =>
      withTrace({ sessionId: null, userId: undefined, tags: null, metadata: null, enabled: null }, () => {
        expect(getTrace()).toMatchObject({
          sessionId: 's',
          userId: 'u',
          tags: ['t'],
          metadata: { k: 'v' },
          enabled: true,
        });
      }),
    );
    expect(() => setTrace(null as never)).not.toThrow();
    expect(warnings).toEqual([]);
  });

  it('metadata numbers and booleans become strings; an object value is dropped with one warning naming it', () => {
    for (let i = 0; i < 20; i++) {
      withTrace({ metadata: { plan: 3, beta: true, big: 5n, none: null, nested: { a: 1 } as never } }, () => {
        expect(getTrace().metadata).toEqual({ plan: '3', beta: 'true', big: '5' });
      });
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"metadata.nested" must be a string, got object');
  });

  it('tags: a single string is one tag, numbers become strings, other values are dropped (one warning)', () => {
    withTrace({ tags: 'solo' }, () => expect(getTrace().tags).toEqual(['solo']));
    withTrace({ tags: ['a', 1, {} as never, null as never, 'a'] }, () =>
      expect(getTrace().tags).toEqual(['a', '1']),
    );
    withTrace({ tags: [Symbol('x') as never] }, () => expect(getTrace().tags).toEqual([]));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"tags[2]" must be a string');
  });

  it('wrong types and unknown keys never throw: the rest of the configuration still applies; one warning per field', () => {
    const bad = {
      enabled: 'false',
      captureContent: 1,
      userId: { id: 1 },
      sesionId: 'typo',
      modules: { byName: { llm: 'off', ok: false }, byType: {} },
      sessionId: 'kept',
    } as never;
    for (let i = 0; i < 10; i++) {
      expect(withTrace(bad, () => getTrace())).toMatchObject({
        enabled: true,
        captureContent: true,
        userId: undefined,
        sessionId: 'kept',
        modules: { byName: { ok: false } },
      });
      expect(() => setTrace(bad)).not.toThrow();
      expect(() => setTrace('not an object' as never)).not.toThrow();
    }
    const fields = [
      '"enabled"',
      '"captureContent"',
      '"userId"',
      '"sesionId"',
      '"modules.byName.llm"',
      '"modules.byType"',
      'expected an object',
    ];
    for (const field of fields) expect(warnings.filter((w) => w.includes(field))).toHaveLength(1);
    expect(warnings).toHaveLength(fields.length);
  });

  it('withTrace with a wrong configuration still runs fn and returns its value', () => {
    expect(withTrace(42 as never, () => 'ran')).toBe('ran');
    expect(() => withTrace({}, 'not a function' as never)).toThrow(TypeError);
  });

  it('start-up configuration in code still throws', () => {
    expect(() => validateTraceContext({ userId: {} }, 'initTracing: defaults')).toThrow(
      /initTracing: defaults: "userId" must be a string, got object/,
    );
  });
});

describe('converted values on spans (item 11)', () => {
  let exporter: ReturnType<typeof installTestTracing>['exporter'];
  beforeEach(() => {
    ({ exporter } = installTestTracing());
  });
  afterAll(() => uninstallTestTracing());

  it('userId 42 is recorded as "42", metadata 3 as "3"', async () => {
    await withTrace({ userId: 42, metadata: { plan: 3 } }, () =>
      fn((x: number) => x + 1, { name: 'inc' }).invoke(1),
    );
    const [span] = exporter.getFinishedSpans();
    expect(span!.attributes['user.id']).toBe('42');
    expect(span!.attributes['lazytrace.metadata.plan']).toBe('3');
  });
});

describe('hostile configuration objects (item 11)', () => {
  it('a getter or Proxy that throws never reaches the caller; keys named __proto__ stay keys', () => {
    const throwing = Object.defineProperty({}, 'sessionId', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    expect(() => setTrace(throwing as never)).not.toThrow();
    expect(withTrace(proxy as never, () => 'ran')).toBe('ran');
    expect(warnings.filter((w) => w.includes('reading the configuration threw'))).toHaveLength(1);
    const metadata = JSON.parse('{"__proto__": "x", "plan": "p"}');
    withTrace({ metadata }, () => {
      expect(Object.keys(getTrace().metadata).sort()).toEqual(['__proto__', 'plan']);
      expect(Object.getPrototypeOf(getTrace().metadata)).toBe(Object.prototype);
    });
  });
});
