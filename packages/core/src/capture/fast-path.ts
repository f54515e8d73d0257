import { type KeyText, keyText } from './key-texts.js';
import { DEFAULT_MAX_DEPTH, MARKER_ROOM, MAX_KEY_CHARS, REDACTED, type SerializeOptions } from './limits.js';
import { escapeFree, isPlainText, LONG_STRING, NEEDS_ESCAPE, numberText, quote } from './quote.js';

const hasOwn = Object.prototype.hasOwnProperty;

// ---------------------------------------------------------------------------------------------
// The direct path.
//
// It writes plain data only: strings, finite and non-finite numbers, booleans, null, undefined,
// arrays, and objects whose prototype is Object.prototype or null with no toJSON — the same
// classification the walk makes first. It gives up (returns undefined) on anything else and when
// the text would come near the budget, so it never needs to cut: whatever it returns, the walk
// would have written character for character (serialize.fast.test.ts checks that over many
// generated values). Below `limit` every budget test of the walk passes, which is why the texts
// are the same:
//   - strings: the walk keeps a string whole when it is within maxStringChars (256 for keys) and
//     its quoted text fits what is left after the closing brackets and MARKER_ROOM;
//   - members: a member starts when its key plus 6 fits; items when anything is left;
//   - the number of keys collected: each member costs at least 4 characters.
// Cycles need no bookkeeping: a cycle nests until maxDepth, where the direct path gives up.
// The one visible difference: when it gives up, what it read is read again by the walk (but the
// items of a list it hands over, see handedItems), so an enumerable getter on a plain object
// (rare in captured data) can run twice for that capture.
// The walk uses it too (fastAppend), on the items of a list, from the walk's text so far.
// ---------------------------------------------------------------------------------------------

/** Characters kept free below maxChars: the marker room plus a member's `:` and short value. */
const FAST_SLACK = MARKER_ROOM + 8;
let fastOut = '';
let fastLimit = 0;
let fastMaxString = 0;
let fastMaxDepth = DEFAULT_MAX_DEPTH;
/** The direct path is running: a capture started from a getter inside it takes the walk. */
let fastBusy = false;
/**
 * Keys of large objects the direct path listed before giving up, for the walk to reuse: V8 lists
 * all of an object's keys when a for...in starts, which for 870k keys costs more than the rest
 * of the capture. Filled only for objects with more keys than the walk would show.
 */
export const handedKeys = new Map<object, { keys: string[]; more: boolean; room: number }>();

/** The items of one array the direct path wrote before giving up inside it (see `handedItems`). */
export interface HandedItems {
  /** Where the array's `[` is in the text: the walk must reach it at that very place. */
  readonly at: number;
  /** `[` and the items before `next`, joined by commas: the walk's text for them. */
  readonly text: string;
  /** The first item not handed over (the one the direct path gave up in). */
  readonly next: number;
  /** The capture they belong to: a capture started inside the walk has other options. */
  readonly options: SerializeOptions;
}
/**
 * Arrays the direct path was inside of when it gave up, with the items it had written and
 * checked: a list of chunks or chat messages just over the budget gave up at its last items, and
 * the walk starting over wrote (and read) every item a second time. The walk, reaching such an
 * array at the same place, takes their text and goes on from the first item not handed over.
 * Valid for the walk that follows only (cleared with handedKeys).
 */
export const handedItems = new Map<object, HandedItems>();
let fastOptions: SerializeOptions | undefined;

/** The direct path alone: the text, or undefined where the walk must answer (exported for its test). */
export function fastSerialize(value: unknown, options: SerializeOptions): string | undefined {
  // Primitives first: no state to set up.
  switch (typeof value) {
    case 'string': {
      if (value.length > options.maxStringChars || value.length + 2 > options.maxChars - FAST_SLACK) {
        return undefined;
      }
      const text = quote(value);
      return text.length <= options.maxChars - FAST_SLACK ? text : undefined;
    }
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object':
      if (value === null) return 'null';
      break;
    default:
      return undefined;
  }
  if (fastBusy) return undefined;
  if (handedKeys.size > 0) handedKeys.clear();
  if (handedItems.size > 0) handedItems.clear();
  if (escapeFree.length > 0) escapeFree.length = 0;
  return fastAppend('', value as object, 0, 0, options);
}

/**
 * `out` with `obj` appended by the direct path, or undefined where the walk must write it. `out`
 * is the walk's text so far, `open` the containers around `obj` and `depth` its depth: the walk
 * writes the items of a list with it (serialize.ts starts with it on the whole value), so that a
 * list the direct path gave up on for one odd item (a Date, a class instance) still has its
 * other items written for what the direct path costs. Whatever it writes, the walk would have
 * written there: its budget tests count from `out` and `open` as the walk's do.
 */
export function fastAppend(
  out: string,
  obj: object,
  depth: number,
  open: number,
  options: SerializeOptions,
): string | undefined {
  // A capture started from a getter inside the direct path (its state is in use) takes the walk.
  if (fastBusy) return undefined;
  fastOptions = options;
  if (keyTextMemosFor !== options.redactKeys) {
    // Key texts carry whether their key is redacted: a memo made under another list is wrong.
    keyTextMemosFor = options.redactKeys;
    keyTextMemos.length = 0;
  }
  fastLimit = options.maxChars - FAST_SLACK;
  fastMaxString = options.maxStringChars;
  fastMaxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  fastOut = out;
  fastBusy = true;
  try {
    return fastObject(obj, depth, open) ? fastOut : undefined;
  } catch {
    // A getter or Proxy trap threw: the walk shows that where it happened.
    return undefined;
  } finally {
    fastOut = '';
    fastOptions = undefined;
    fastBusy = false;
  }
}

/** Appends one value; false means "give up". `open` counts the containers around it. */
function fastWrite(value: unknown, depth: number, open: number): boolean {
  switch (typeof value) {
    case 'string':
      return fastString(value, fastMaxString);
    case 'number':
      fastOut += numberText(value);
      return fastOut.length <= fastLimit;
    case 'boolean':
      fastOut += value ? 'true' : 'false';
      return fastOut.length <= fastLimit;
    case 'undefined':
      fastOut += 'null';
      return fastOut.length <= fastLimit;
    case 'object':
      if (value === null) {
        fastOut += 'null';
        return fastOut.length <= fastLimit;
      }
      return fastObject(value, depth, open);
    default:
      return false;
  }
}

function fastString(value: string, maxChars: number): boolean {
  // Checked before quoting: a 50 MB string must not be scanned only to give up.
  if (value.length > maxChars || fastOut.length + value.length + 2 > fastLimit) return false;
  if (value.length < LONG_STRING) {
    // isPlainText's loop for short text costs less than quote's regular expression.
    fastOut += isPlainText(value) ? `"${value}"` : JSON.stringify(value);
  } else if (escapeFree.length < 16 && !NEEDS_ESCAPE.test(value)) {
    escapeFree.push(value);
    fastOut += `"${value}"`;
  } else {
    fastOut += quote(value);
  }
  return fastOut.length <= fastLimit;
}

function fastObject(obj: object, depth: number, open: number): boolean {
  if (depth >= fastMaxDepth) return false;
  if (Array.isArray(obj)) {
    const length = obj.length;
    // Each item costs at least one character: a longer array cannot fit.
    if (fastOut.length + length > fastLimit) return false;
    const at = fastOut.length;
    fastOut += '[';
    for (let i = 0; i < length; i++) {
      const end = fastOut.length;
      if (i > 0) fastOut += ',';
      // An item counts as written once the text with it and the closing brackets of every level
      // around it fits: every budget test of the walk inside it passed (the test at the end of a
      // capture, made early; and what the direct path wrote before it is then checked too).
      if (!fastWrite(obj[i], depth + 1, open + 1) || fastOut.length + open + 1 > fastLimit) {
        // Also with no item written (next 0): the walk then knows the direct path gave up inside
        // this array and does not try it again on its items.
        handedItems.set(obj, { at, text: fastOut.slice(at, end), next: i, options: fastOptions! });
        return false;
      }
    }
    fastOut += ']';
    return fastOut.length + open <= fastLimit;
  }
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) return false;
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return false;
  // The walk's count of keys it collects (writeRecord), from its room at this point: the text so
  // far is the walk's, so the room is the same.
  const room = fastLimit + FAST_SLACK - fastOut.length - open - MARKER_ROOM;
  const cap = Math.floor((Math.max(0, Math.floor(room / 2)) + 1) / 2) + 1;
  const record = obj as Record<string, unknown>;
  const keys = atDepth(keyBuffers, depth);
  const texts = atDepth(keyTextMemos, depth);
  // Keys listed so far (keys.length is not reset: setting an array's length costs more than this).
  let listed = 0;
  let failed = false;
  let first = true;
  const start = fastOut.length;
  fastOut += '{';
  for (const key in record) {
    if (!hasOwn.call(record, key)) continue;
    if (listed >= cap) {
      // More keys than the walk shows: it cuts here. It gets the keys listed so far, so that a
      // huge object is listed once, not twice.
      handedKeys.set(obj, { keys: keys.slice(0, listed), more: true, room });
      return false;
    }
    const at = listed;
    keys[listed++] = key;
    // After a give-up, only the keys are still listed (at most `cap`, for the hand-over).
    if (failed) continue;
    // The walk's test before every member, also one whose value is left out (undefined).
    if (key.length > MAX_KEY_CHARS || room - (fastOut.length - start) - 1 < key.length + 6) {
      failed = true;
      continue;
    }
    // The objects of a list mostly have the same keys in the same order: a key compared with the
    // one last seen at its place and depth costs less than keyText's hash lookup.
    let known = at < MEMO_KEYS ? texts[at] : undefined;
    if (known === undefined || known.key !== key) {
      known = keyText(key, fastOptions!.redactKeys);
      if (at < MEMO_KEYS) texts[at] = known;
    }
    // A redacted key's value is never read.
    const value = known.redacted ? REDACTED : record[key];
    if (value === undefined) continue;
    // The walk keeps a key whole when its quoted text fits (checked here with its `:` and the
    // comma before it, one character stricter: giving up is always safe).
    const head = first ? known.text : known.afterComma;
    first = false;
    if (fastOut.length + head.length > fastLimit) {
      failed = true;
      continue;
    }
    fastOut += head;
    if (!fastWrite(value, depth + 1, open + 1)) failed = true;
  }
  fastOut += '}';
  return !failed && fastOut.length + open <= fastLimit;
}

/** One reusable key list per depth: listing keys allocates nothing once warm. */
const keyBuffers: string[][] = [];
/** Keys remembered by position, per depth: at most this many of an object's first keys. */
const MEMO_KEYS = 100;
/** Per depth, the key texts last seen there by position, for the redaction list `keyTextMemosFor`. */
const keyTextMemos: KeyText[][] = [];
let keyTextMemosFor: readonly (string | RegExp)[] | undefined;

/** The list of `lists` kept for `depth`, made on first use. */
function atDepth<T>(lists: T[][], depth: number): T[] {
  let list = lists[depth];
  if (list === undefined) {
    list = [];
    lists[depth] = list;
  }
  return list;
}
