import { fastSerialize, handedItems, handedKeys } from './fast-path.js';
import { type SerializeOptions, TRUNCATED_TEXT } from './limits.js';
import { escapeFree } from './quote.js';
import { Walker } from './walker.js';

export { fastSerialize } from './fast-path.js';
export { MAX_COLLECTION_ENTRIES, REDACTED, type SerializeOptions } from './limits.js';

/**
 * Turns any value into JSON text within a character budget, without ever throwing. The budget
 * is applied while walking: a 100 MB string costs what its kept prefix costs, a million-element
 * array what its first elements cost. Truncation is marked once, where the budget ran out
 * (`…[truncated N chars]`, `…[N more items]`, `"…":"…[truncated]"`); the levels around it just
 * close. A Map or Set shows at most MAX_COLLECTION_ENTRIES entries and then says how many more
 * there are (`"…[N more items]"`, `"…":"…[N more entries]"`), and the walk goes on after it.
 * Secrets under redacted keys become `[REDACTED]`; the result is always valid JSON.
 *
 * Most captured values are small plain data (`{ query, k }`, a few documents, chat messages)
 * that fit the budget whole: those take a direct path (fast-path.ts) that writes exactly what
 * the full walk would, and anything else — a class instance, a Map, a value that needs cutting —
 * goes through the full walk.
 */
export function serializeValue(value: unknown, options: SerializeOptions): string {
  try {
    const fast = fastSerialize(value, options);
    if (fast !== undefined) return fast;
    return walk(value, options, true);
  } catch {
    return JSON.stringify('[unserializable]');
  } finally {
    if (escapeFree.length > 0) escapeFree.length = 0;
  }
}

/** The full walk alone, without the direct path (exported for the differential tests). */
export function walkValue(value: unknown, options: SerializeOptions): string {
  return walk(value, options, false);
}

/** The walk; `withDirectPath`: taking the items the direct path handed over, and writing items with it. */
function walk(value: unknown, options: SerializeOptions, withDirectPath: boolean): string {
  // One walker serves every capture; a capture started from inside another (a getter or toJSON
  // that captures) gets its own.
  const walker = idleWalker ?? new Walker();
  idleWalker = undefined;
  try {
    walker.reset(options, withDirectPath);
    walker.write(value, 0);
    const text = walker.text();
    return text.length <= options.maxChars ? text : TRUNCATED_TEXT;
  } catch {
    return JSON.stringify('[unserializable]');
  } finally {
    walker.release();
    idleWalker = walker;
    // Keys and items handed over are valid for the walk that follows the direct path only.
    if (handedKeys.size > 0) handedKeys.clear();
    if (handedItems.size > 0) handedItems.clear();
    // Long strings the direct path checked while the walk used it on the items of a list.
    if (escapeFree.length > 0) escapeFree.length = 0;
  }
}

let idleWalker: Walker | undefined;
