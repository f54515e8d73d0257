import type { ModuleSwitch, ModuleSwitches, ResolvedTraceContext } from '../context/types.js';

/**
 * `off`: the request records nothing (`enabled: false`, `sampled: false`); `module-off`: this
 * call has no span, its children may (a `modules` switch); `trace`: a span without
 * inputs/outputs; `content`: a span with them; `chosen-content`: with them because a module
 * switch asked for this very module's content (then content withheld elsewhere in the request
 * does not hide it).
 */
export type Decision = 'off' | 'module-off' | 'trace' | 'content' | 'chosen-content';

interface Target {
  readonly name: string;
  readonly className: string;
  readonly kind: string;
}

/**
 * Whether a call is traced, and with content, under the effective trace context: the request's
 * switches, then per-module switches (kind, then class, then name, the more specific winning).
 */
export function decide(context: ResolvedTraceContext, target: Target): Decision {
  if (!context.enabled || context.sampled === false) return 'off';
  let enabled = true;
  let capture = context.captureContent;
  let chosen = false;
  const modules: ModuleSwitches = context.modules;
  if (modules.byKind !== undefined || modules.byClass !== undefined || modules.byName !== undefined) {
    for (const sw of [
      lookup(modules.byKind, target.kind),
      lookup(modules.byClass, target.className),
      lookup(modules.byName, target.name),
    ]) {
      if (sw === undefined) continue;
      if (typeof sw === 'boolean') {
        enabled = sw;
      } else {
        if (sw.enabled !== undefined) enabled = sw.enabled;
        if (sw.captureContent !== undefined) {
          capture = sw.captureContent;
          chosen = capture;
        }
      }
    }
  }
  if (!enabled) return 'module-off';
  if (!capture) return 'trace';
  return chosen ? 'chosen-content' : 'content';
}

function lookup(
  table: Readonly<Record<string, ModuleSwitch>> | undefined,
  key: string,
): ModuleSwitch | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
