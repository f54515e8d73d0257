// Issue 9, item 12: a record key named `__proto__` is a branch like any other.
import { beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing } from '../../../../test/support/otel.js';
import { type Child, diverter, parallel, switchCase } from '../index.js';

let exporter: ReturnType<typeof installTestTracing>['exporter'];
beforeEach(() => {
  ({ exporter } = installTestTracing());
});

/** `{ __proto__: … }` written literally sets the prototype; a computed key makes an own property. */
const branches = (proto: Child, other: Child) => ({ ['__proto__']: proto, other }) as Record<string, Child>;

describe('__proto__ as a record key', () => {
  it('parallel keeps the branch as an own property and the result a plain object', async () => {
    const flow = parallel(
      branches(
        (x: number) => ({ polluted: true, x }),
        (x: number) => x * 2,
      ),
    );
    const result = (await flow.invoke(3)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['__proto__', 'other']);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({ polluted: true, x: 3 });
    expect((result as { polluted?: unknown }).polluted).toBeUndefined();
    expect(result.other).toBe(6);
    expect(
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['Parallel', '__proto__', 'other']);
  });

  it('parallel with a primitive result under __proto__ does not drop it', async () => {
    const result = (await parallel(
      branches(
        () => 'kept',
        () => 1,
      ),
    ).invoke(null)) as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toBe('kept');
  });

  it('diverter reads the own __proto__ key of its input and shapes the result the same way', async () => {
    const flow = diverter(
      branches(
        (x: number) => x + 1,
        (s: string) => s.toUpperCase(),
      ),
    );
    const input = JSON.parse('{"__proto__": 41, "other": "b"}');
    const result = (await flow.invoke(input)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toBe(42);
    expect(result.other).toBe('B');
  });

  it('diverter does not take the inherited __proto__ accessor for the branch input', async () => {
    const flow = diverter(
      branches(
        (x: unknown) => x,
        (x: unknown) => x,
      ),
    );
    await expect(flow.invoke({ other: 1 })).rejects.toThrow(/missing the key\(s\) "__proto__"/);
  });

  it('diverter does not take members every object inherits (toString, constructor) for branch inputs', async () => {
    const flow = diverter({ toString: (x: unknown) => x, constructor: (x: unknown) => x });
    await expect(flow.invoke({})).rejects.toThrow(/missing the key\(s\) "toString", "constructor"/);
    class Input {
      get toString() {
        return 'own getter' as never;
      }
    }
    const classy = diverter({ toString: (x: unknown) => x });
    expect(await classy.invoke(new Input())).toEqual({ toString: 'own getter' });
  });

  it('switchCase with a "__proto__" case', async () => {
    const flow = switchCase(
      (x: string) => x,
      branches(
        () => 'proto case',
        () => 'other case',
      ),
    );
    expect(await flow.invoke('__proto__')).toBe('proto case');
  });
});
