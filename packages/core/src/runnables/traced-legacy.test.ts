import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing } from '../../../../test/support/otel.js';
import { traced } from '../index.js';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('./legacy-decorators/', import.meta.url));

let exporter: ReturnType<typeof installTestTracing>['exporter'];
beforeEach(() => {
  ({ exporter } = installTestTracing());
});

describe('@traced as a legacy decorator (experimentalDecorators)', () => {
  it('compiled with experimentalDecorators: methods, generator methods and statics are traced', async () => {
    const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));
    const { stdout } = await run(tsx, ['--tsconfig', `${dir}tsconfig.json`, `${dir}fixture.ts`], {
      timeout: 60_000,
    });
    const { results, spans } = JSON.parse(stdout);
    expect(results).toEqual(['kb:tides', ['one', 'two'], 'ok', 8]);
    expect(spans).toEqual([
      { name: 'SearchService.search', kind: 'tool', input: '"tides"', output: '"kb:tides"' },
      { name: 'SearchService.tokens', kind: 'module', input: '"one two"', output: '"onetwo"' },
      { name: 'SearchService.health', kind: 'module', input: '[]', output: '"ok"' },
      { name: 'Detached.double', kind: 'module', input: '4', output: '8' },
    ]);
  }, 60_000);

  it('the legacy call form (target, key, descriptor) by hand', async () => {
    class Repo {
      async find(id: number): Promise<string> {
        return `row ${id}`;
      }
    }
    const descriptor = Object.getOwnPropertyDescriptor(Repo.prototype, 'find')!;
    const decorated = traced({ kind: 'retriever' })(Repo.prototype, 'find', descriptor);
    Object.defineProperty(Repo.prototype, 'find', decorated);
    expect(await new Repo().find(7)).toBe('row 7');
    const find = new Repo().find;
    expect(await find(8)).toBe('row 8');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['Repo.find', 'Repo.find']);
    expect(spans[0]?.attributes['lazytrace.kind']).toBe('retriever');
  });

  it('a legacy decorator on something that is not a method fails at definition', () => {
    expect(() => traced()({}, 'field', { value: 3, writable: true } as never)).toThrow(/methods only/);
  });
});

describe('@traced as a standard decorator', () => {
  it('a detached method is named after its class, not Object', async () => {
    class Billing {
      @traced()
      async charge(cents: number): Promise<number> {
        return cents;
      }
    }
    new Billing();
    const charge = new Billing().charge;
    expect(await charge(5)).toBe(5);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['Billing.charge']);
  });

  it('a static method is named after its class', async () => {
    class Clock {
      readonly zone = 'UTC';
      @traced()
      static async now(): Promise<number> {
        return 1;
      }
    }
    const now = Clock.now;
    expect(await Clock.now()).toBe(1);
    expect(await now()).toBe(1);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['Clock.now', 'Clock.now']);
  });
});
