import { afterEach, describe, expect, it } from 'vitest';
import { setTraceDefaults, validateTraceContext } from '../index.js';
import { enterTraceContext, getTraceContext, runWithTraceContext } from '../internal.js';

afterEach(() => setTraceDefaults({}));

describe('trace context', () => {
  it('scopes nest: scalars override, tags add up, metadata and module switches merge', () => {
    runWithTraceContext(
      { sessionId: 's1', tags: ['a'], metadata: { k1: 'v1' }, modules: { byName: { x: false } } },
      () => {
        runWithTraceContext(
          { userId: 'u1', tags: ['b', 'a'], metadata: { k2: 'v2' }, modules: { byKind: { llm: true } } },
          () => {
            const tc = getTraceContext();
            expect(tc.sessionId).toBe('s1');
            expect(tc.userId).toBe('u1');
            expect(tc.tags).toEqual(['a', 'b']);
            expect(tc.metadata).toEqual({ k1: 'v1', k2: 'v2' });
            expect(tc.modules).toEqual({ byName: { x: false }, byKind: { llm: true }, byClass: undefined });
          },
        );
        expect(getTraceContext().userId).toBeUndefined();
      },
    );
    expect(getTraceContext().sessionId).toBeUndefined();
  });

  it('copy-on-write: a resolved context is frozen and an inner scope never changes the outer one', () => {
    runWithTraceContext({ tags: ['outer'] }, () => {
      const outer = getTraceContext();
      expect(Object.isFrozen(outer)).toBe(true);
      expect(Object.isFrozen(outer.tags)).toBe(true);
      runWithTraceContext({ tags: ['inner'] }, () => undefined);
      expect(getTraceContext().tags).toEqual(['outer']);
    });
  });

  it('defaults sit under every scope, also scopes entered before the defaults changed', () => {
    runWithTraceContext({ userId: 'u' }, () => {
      setTraceDefaults({ captureContent: false, tags: ['env'] });
      const tc = getTraceContext();
      expect(tc.captureContent).toBe(false);
      expect(tc.tags).toEqual(['env']);
      expect(tc.userId).toBe('u');
    });
  });

  it('enterTraceContext affects the current async context and what continues from it only', async () => {
    const seen: (string | undefined)[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map(async (id) => {
        await null;
        enterTraceContext({ sessionId: id });
        await new Promise((r) => setTimeout(r, 2));
        seen.push(getTraceContext().sessionId);
      }),
    );
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    expect(getTraceContext().sessionId).toBeUndefined();
  });

  it('start-up configuration: converts what is unambiguous, throws a TypeError naming the field for the rest', () => {
    // Amended contract (DESIGN, "Telemetry calls never fail the business call"): numbers become
    // strings where a string is expected; only start-up configuration throws.
    expect(validateTraceContext({ userId: 42, tags: ['ok', 3], metadata: { a: 1 } })).toEqual({
      userId: '42',
      tags: ['ok', '3'],
      metadata: { a: '1' },
    });
    expect(() => validateTraceContext({ userId: {} })).toThrow(
      new TypeError('setTrace: "userId" must be a string, got object'),
    );
    expect(() => validateTraceContext({ tags: ['ok', {}] })).toThrow(
      /"tags\[1\]" must be a string, got object/,
    );
    expect(() => validateTraceContext({ sesionId: 'x' })).toThrow(/unknown key "sesionId"/);
    expect(() => validateTraceContext({ metadata: { a: [] } })).toThrow(/"metadata\.a" must be a string/);
    expect(() => validateTraceContext({ enabled: 'yes' })).toThrow(/"enabled" must be a boolean, got string/);
    expect(() => validateTraceContext({ modules: { byName: { llm: 'off' } } })).toThrow(
      /"modules\.byName\.llm" must be a boolean/,
    );
    expect(() => validateTraceContext({ modules: { byType: {} } })).toThrow(/unknown key "modules\.byType"/);
    expect(() => validateTraceContext(null)).toThrow(/expected an object, got null/);
    // On the request path nothing throws: withTrace converts and runs.
    expect(runWithTraceContext({ userId: 1 } as never, () => getTraceContext().userId)).toBe('1');
  });
});

describe('trace context with tracing off by default', () => {
  it('still resolves the scope (getTrace shows the session), and a scope can switch tracing back on', () => {
    setTraceDefaults({ enabled: false });
    runWithTraceContext({ sessionId: 's-off' }, () => {
      expect(getTraceContext()).toMatchObject({ enabled: false, sessionId: 's-off' });
      runWithTraceContext({ enabled: true }, () => expect(getTraceContext().enabled).toBe(true));
    });
  });
});
