import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fn,
  type Hook,
  type HookErrorMode,
  HookPhaseError,
  type Invocation,
  pipeline,
  registerHookProvider,
  setLogger,
} from '../index.js';

type Phase = 'pre' | 'post' | 'onError' | 'finalize' | 'around';
const PHASES: Phase[] = ['pre', 'post', 'onError', 'finalize', 'around'];
const MODES: HookErrorMode[] = ['warn', 'strict'];
const OUTCOMES = ['success', 'error'] as const;

let warnings: string[] = [];
beforeEach(() => {
  warnings = [];
  setLogger({ warn: (m) => warnings.push(m) });
});
afterEach(() => setLogger(undefined));

function failingHook(phase: Phase, errorMode: HookErrorMode, log: string[]) {
  const failure = new Error(`hook failed in ${phase}`);
  class Failing implements Hook {
    static errorMode = errorMode;
    static hookName = `failing-${phase}-${errorMode}`;
    pre() {
      log.push('pre');
      if (phase === 'pre') throw failure;
    }
    post() {
      log.push('post');
      if (phase === 'post') throw failure;
    }
    onError() {
      log.push('onError');
      if (phase === 'onError') throw failure;
    }
    finalize() {
      log.push('finalize');
      if (phase === 'finalize') throw failure;
    }
    around<R>(next: () => R): R {
      log.push('around');
      if (phase === 'around') throw failure;
      return next();
    }
  }
  return { Failing, failure };
}

describe('hook phase × error mode × business outcome', () => {
  for (const phase of PHASES) {
    for (const mode of MODES) {
      for (const outcome of OUTCOMES) {
        it(`${mode} hook failing in ${phase}, business ${outcome}`, async () => {
          const log: string[] = [];
          const { Failing } = failingHook(phase, mode, log);
          const value = { answer: 42 };
          const businessError = new Error('business failed');
          const originalStack = businessError.stack;
          let businessRuns = 0;
          const runnable = fn(() => {
            businessRuns++;
            log.push('business');
            if (outcome === 'error') throw businessError;
            return value;
          }).registerHook(Failing);

          const settled = await runnable.invoke(undefined).then(
            (v) => ({ ok: true as const, v }),
            (e: unknown) => ({ ok: false as const, e }),
          );

          const strictFailure =
            mode === 'strict' && (phase === 'pre' || (phase === 'post' && outcome === 'success'));
          if (strictFailure) {
            expect(settled.ok).toBe(false);
            const error = (settled as { e: unknown }).e as HookPhaseError;
            expect(error).toBeInstanceOf(HookPhaseError);
            expect(error.phase).toBe(phase);
            expect(error.failures).toHaveLength(1);
            expect(error.failures[0]?.hook).toBe(`failing-${phase}-${mode}`);
            expect(businessRuns).toBe(phase === 'pre' ? 0 : 1);
          } else if (outcome === 'success') {
            expect(settled).toEqual({ ok: true, v: value });
            expect((settled as { v: unknown }).v).toBe(value);
            expect(businessRuns).toBe(1);
          } else {
            expect(settled.ok).toBe(false);
            expect((settled as { e: unknown }).e).toBe(businessError);
            expect(businessError.stack).toBe(originalStack);
            expect(businessRuns).toBe(1);
          }

          // The phases ran in the documented order.
          const expected =
            phase === 'pre' && mode === 'strict'
              ? ['pre', 'onError', 'finalize']
              : ['pre', 'around', 'business', outcome === 'success' ? 'post' : 'onError', 'finalize'];
          expect(log).toEqual(expected);

          // A warn-mode failure (and any onError/finalize/around failure) is logged, not thrown.
          const phaseRan = log.includes(phase);
          const logged = phaseRan && !strictFailure;
          expect(warnings.length).toBe(logged ? 1 : 0);
        });
      }
    }
  }
});

describe('ordering and registration', () => {
  function recorder(name: string, priority: number, log: string[]) {
    return class implements Hook {
      static priority = priority;
      static hookName = name;
      pre() {
        log.push(`${name}.pre`);
      }
      post() {
        log.push(`${name}.post`);
      }
      onError() {
        log.push(`${name}.onError`);
      }
      finalize() {
        log.push(`${name}.finalize`);
      }
      around<R>(next: () => R): R {
        log.push(`${name}.around`);
        return next();
      }
    };
  }

  it('runs pre by ascending priority and post/onError/finalize in reverse (LIFO)', async () => {
    const log: string[] = [];
    const ok = fn(() => log.push('business'))
      .registerHook(recorder('late', 50, log))
      .registerHook(recorder('early', 10, log));
    await ok.invoke(undefined);
    expect(log).toEqual([
      'early.pre',
      'late.pre',
      'early.around',
      'late.around',
      'business',
      'late.post',
      'early.post',
      'late.finalize',
      'early.finalize',
    ]);

    log.length = 0;
    const failing = fn(() => {
      log.push('business');
      throw new Error('x');
    })
      .registerHook(recorder('late', 50, log))
      .registerHook(recorder('early', 10, log));
    await expect(failing.invoke(undefined)).rejects.toThrow('x');
    expect(log.slice(5)).toEqual(['late.onError', 'early.onError', 'late.finalize', 'early.finalize']);
  });

  it('creates one hook instance per invocation, so hooks can keep per-call state', async () => {
    const instances = new Set<object>();
    class Stateful implements Hook {
      calls = 0;
      pre() {
        instances.add(this);
        this.calls++;
        expect(this.calls).toBe(1);
      }
    }
    const runnable = fn((x: number) => x).registerHook(Stateful);
    await Promise.all([1, 2, 3].map((i) => runnable.invoke(i)));
    expect(instances.size).toBe(3);
  });

  it('ignores duplicate registration of the same hook', async () => {
    let pre = 0;
    class Counting implements Hook {
      pre() {
        pre++;
      }
    }
    const runnable = fn((x: number) => x)
      .registerHook(Counting)
      .registerHook(Counting);
    await runnable.invoke(1);
    expect(pre).toBe(1);
  });

  it('accepts a factory object and gives it the invocation', async () => {
    const seen: string[] = [];
    const runnable = fn((x: number) => x * 2, { name: 'double', kind: 'tool' }).registerHook({
      name: 'factory',
      create: (invocation: Invocation) => ({
        post: (out) => seen.push(`${invocation.name}/${invocation.kind}=${out}`),
      }),
    });
    expect(await runnable.invoke(21)).toBe(42);
    expect(seen).toEqual(['double/tool=42']);
  });

  it('a hook provider gets the runnable and the invocation, on every call, and can be removed', async () => {
    const seen: string[] = [];
    const target = fn(
      function adder(x: number) {
        return x + 1;
      },
      { kind: 'tool' },
    );
    const remove = registerHookProvider((runnable, invocation) => {
      if (runnable !== target) return [];
      seen.push(`${invocation.name}/${invocation.kind}`);
      return [{ name: 'provided', create: () => ({ post: (out: unknown) => seen.push(`post ${out}`) }) }];
    });
    try {
      expect(await target.invoke(1)).toBe(2);
      expect(await pipeline({ renamed: target }).invoke(5)).toBe(6);
    } finally {
      remove();
    }
    expect(await target.invoke(1)).toBe(2);
    // Inside the flow the record key names the call (the function name is only a default).
    expect(seen).toEqual(['adder/tool', 'post 2', 'renamed/tool', 'post 6']);
  });

  it('rejects what is not a hook with a clear error', () => {
    expect(() => fn((x) => x).registerHook({} as never)).toThrow(/create\(invocation\)/);
    expect(() => fn((x) => x).registerHook({ create: () => ({}), errorMode: 'loud' } as never)).toThrow(
      /errorMode.*'warn' or 'strict'/,
    );
  });

  it('collects every strict failure of a phase into one HookPhaseError', async () => {
    const make = (name: string) => ({
      name,
      errorMode: 'strict' as const,
      create: () => ({
        pre() {
          throw new Error(`${name} broke`);
        },
      }),
    });
    const runnable = fn(() => 'never')
      .registerHook(make('a'))
      .registerHook(make('b'));
    const error = (await runnable.invoke(undefined).catch((e: unknown) => e)) as HookPhaseError;
    expect(error).toBeInstanceOf(HookPhaseError);
    expect(error.failures.map((f) => f.hook)).toEqual(['a', 'b']);
    expect(error.message).toContain('a broke');
    expect(error.message).toContain('b broke');
  });

  it('logs a failing warn hook once per hook and phase, not once per call', async () => {
    class Noisy implements Hook {
      static hookName = 'noisy';
      pre() {
        throw new Error('pre broke');
      }
      finalize() {
        throw new Error('finalize broke');
      }
    }
    const runnable = fn((x: number) => x).registerHook(Noisy);
    for (let i = 0; i < 20; i++) expect(await runnable.invoke(i)).toBe(i);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('"noisy"');
    expect(warnings[0]).toContain('"pre"');
    expect(warnings[1]).toContain('"finalize"');
  });

  it('observes a rejected promise returned by a hook method instead of leaving it unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const runnable = fn((x: number) => x).registerHook({
        name: 'async-hook',
        create: () => ({ post: (() => Promise.reject(new Error('async post broke'))) as () => void }),
      });
      expect(await runnable.invoke(7)).toBe(7);
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
      expect(warnings.join()).toContain('async post broke');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('an around that swallows the business error or replaces the value changes nothing', async () => {
    const value = { v: 1 };
    const replacing = fn(() => value).registerHook({
      create: () => ({
        around: <R>(next: () => R): R => {
          next();
          return 'replaced' as R;
        },
      }),
    });
    expect(await replacing.invoke(undefined)).toBe(value);

    const error = new Error('kept');
    const swallowing = fn(() => {
      throw error;
    }).registerHook({
      create: () => ({
        around: <R>(next: () => R): R => {
          try {
            return next();
          } catch {
            return undefined as R;
          }
        },
      }),
    });
    await expect(swallowing.invoke(undefined)).rejects.toBe(error);
  });

  it('a hook class whose constructor throws is skipped in warn mode', async () => {
    class Broken implements Hook {
      constructor() {
        throw new Error('cannot construct');
      }
    }
    expect(
      await fn((x: number) => x + 1)
        .registerHook(Broken)
        .invoke(1),
    ).toBe(2);
    expect(warnings.join()).toContain('cannot construct');
  });
});
