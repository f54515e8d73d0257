import { type KeyText, keyText } from './key-texts.js';
import {
  MAX_COLLECTION_ENTRIES,
  MAX_KEY_CHARS,
  REDACTED,
  type SerializeOptions,
  TRUNCATED_TEXT,
} from './limits.js';
import { isPlainText, numberText } from './quote.js';
import { safeString } from './safe-text.js';

/**
 * What the Map and Set writers use of the walk (the Walker of walker.ts, which calls them: an
 * interface here, so that this file does not import it back). `out` ends with the text so far;
 * room() there is `limit - open - out.length`.
 */
export interface CollectionWalk {
  out: string;
  /** maxChars less the room kept for one marker. */
  readonly limit: number;
  /** Containers written but not closed yet: each needs one closing character. */
  open: number;
  /** The budget ran out and its marker is written: only closing brackets follow. */
  exhausted: boolean;
  readonly options: SerializeOptions;
  readonly keyMemos: KeyMemo[];
  emit(text: string): void;
  /** A placeholder string, cut like any string. */
  note(text: string): void;
  write(value: unknown, depth: number): void;
  /** A member's key and its `:` (`text` is the cached quoted key with `:`). */
  writeKey(key: string, text: string): void;
  /** How many members can possibly be shown. */
  memberCap(): number;
}

/** The key texts of the last Map written at one depth, by position, for one redaction list. */
export interface KeyMemo {
  redactKeys: readonly (string | RegExp)[];
  texts: KeyText[];
}

// The intrinsics, taken once: a Map or Set subclass (or a patched prototype) cannot change how it is read.
const mapKeys = Map.prototype.keys;
const mapValues = Map.prototype.values;
const setValues = Set.prototype.values;
const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;

// Maps and Sets: each member is appended to a local string (cheaper than appending to a field),
// a primitive member in place; anything else goes through `write` with the text handed back
// and forth.

export function writeSet(walk: CollectionWalk, set: Set<unknown>, depth: number): void {
  let size = collectionSize(setSize, set);
  if (size === undefined) {
    walk.note('[Unserializable: not a Set]');
    return;
  }
  const sizeAtStart = size;
  // Read as written, never ahead: a million-element Set costs what its shown elements cost.
  const values = setValues.call(set) as IterableIterator<unknown>;
  const maxString = walk.options.maxStringChars;
  walk.emit('[');
  walk.open++;
  // room() is limit - out.length while the members are written (nested values close their levels).
  const limit = walk.limit - walk.open;
  let out = walk.out;
  // `out` ends inside a string item whose closing quote is not written yet: the next string
  // item then starts with `","`, one append for what would be two.
  let quoteOpen = false;
  for (let i = 0; !walk.exhausted; i++) {
    if (i >= size) {
      // The size again, once: a getter among the items may have added some.
      size = collectionSize(setSize, set) ?? 0;
      if (i >= size) break;
    }
    const room = limit - out.length - (quoteOpen ? 1 : 0);
    if (room <= 0 || i === MAX_COLLECTION_ENTRIES) {
      if (quoteOpen) out += '"';
      quoteOpen = false;
      const left = entriesLeft(setSize, set, sizeAtStart, i, values);
      if (left === 0) break;
      const mark = `${i > 0 ? ',' : ''}${JSON.stringify(`…[${left} more items]`)}`;
      // Cut by the cap, the walk goes on when the marker fits the budget; cut by the budget
      // (or a cap marker that needs the room kept for markers), only closing brackets follow.
      if (room < mark.length) walk.exhausted = true;
      out += mark;
      break;
    }
    const next = values.next();
    // The end, sooner than `size` said if a getter among the items deleted some.
    if (next.done === true) break;
    const value = next.value;
    // writeString's test for a string kept whole, and one that needs no escapes.
    if (
      typeof value === 'string' &&
      value.length <= maxString &&
      value.length <= room - (i > 0 ? 3 : 2) &&
      isPlainText(value)
    ) {
      out += quoteOpen ? '","' : i > 0 ? ',"' : '"';
      out += value;
      quoteOpen = true;
      continue;
    }
    if (quoteOpen) out += '"';
    quoteOpen = false;
    const written = appendPrimitive(out, i > 0 ? ',' : '', value, limit, maxString);
    if (written !== undefined) {
      out = written;
      continue;
    }
    walk.out = i > 0 ? `${out},` : out;
    walk.write(value, depth + 1);
    out = walk.out;
  }
  walk.out = quoteOpen ? `${out}"` : out;
  walk.open--;
  walk.emit(']');
}

export function writeMap(walk: CollectionWalk, map: Map<unknown, unknown>, depth: number): void {
  const size = collectionSize(mapSize, map);
  if (size === undefined) {
    walk.note('[Unserializable: not a Map]');
    return;
  }
  // At most this many entries are read (each member costs at least four characters), also
  // when values are undefined and take no room.
  const cap = Math.floor(walk.memberCap() / 2) + 1;
  // Two iterators in step rather than one of entries: an entries iterator makes a [key, value]
  // array per entry, and these make nothing V8 keeps (about a quarter of the time per member).
  // They stay in step by definition: both walk the Map's one list of entries from the same
  // index, are read one right after the other with no code in between, and a change to the
  // Map (by a getter among the values) moves both alike.
  const keys = mapKeys.call(map) as IterableIterator<unknown>;
  const values = mapValues.call(map) as IterableIterator<unknown>;
  const redactKeys = walk.options.redactKeys;
  const maxString = walk.options.maxStringChars;
  const memo = keyMemo(walk, depth, redactKeys);
  // Entries are read as they are written, never ahead (the members loop of writeMembers).
  walk.emit('{');
  walk.open++;
  const limit = walk.limit - walk.open;
  let out = walk.out;
  let first = true;
  let remembered = true;
  for (let i = 0; !walk.exhausted; i++) {
    if (i === MAX_COLLECTION_ENTRIES) {
      const more = entriesLeft(mapSize, map, size, i, keys);
      if (more > 0) {
        const mark = `${first ? '' : ','}"…":${JSON.stringify(`…[${more} more entries]`)}`;
        // As in writeSet: the walk goes on after a cap marker that fits the budget.
        if (limit - out.length < mark.length) walk.exhausted = true;
        out += mark;
      }
      break;
    }
    let key: string | undefined;
    let value: unknown;
    if (i < cap) {
      const nextKey = keys.next();
      const nextValue = values.next();
      // The end, sooner than `size` said if a getter among the values deleted entries.
      if (nextKey.done === true) break;
      const k = nextKey.value;
      value = nextValue.value;
      key = typeof k === 'string' ? k : safeString(k);
    } else if (size <= i) {
      break;
    }
    if (key === undefined || limit - out.length < Math.min(key.length, MAX_KEY_CHARS) + 6) {
      out += first ? '"…":' : ',"…":';
      out += TRUNCATED_TEXT;
      walk.exhausted = true;
      break;
    }
    // Once a key differs from the one remembered at its place, the rest are not compared:
    // this Map's keys are remembered instead, at the cost of a store each.
    let known = remembered ? memo[i] : undefined;
    if (known === undefined || known.key !== key) {
      remembered = false;
      known = keyText(key, redactKeys);
      memo[i] = known;
    }
    if (known.redacted) value = REDACTED;
    if (value === undefined) continue;
    // A key kept whole (writeKey's test) and a primitive value: appended here.
    if (key.length <= MAX_KEY_CHARS && known.text.length - 1 <= limit - out.length - (first ? 0 : 1)) {
      const written = appendPrimitive(out, first ? known.text : known.afterComma, value, limit, maxString);
      if (written !== undefined) {
        out = written;
        first = false;
        continue;
      }
    }
    walk.out = first ? out : `${out},`;
    first = false;
    walk.writeKey(key, known.text);
    walk.write(value, depth + 1);
    out = walk.out;
  }
  walk.out = out;
  walk.open--;
  walk.emit('}');
}

/** The key texts by position for a Map written at `depth`, emptied when the redaction list changed. */
function keyMemo(walk: CollectionWalk, depth: number, redactKeys: readonly (string | RegExp)[]): KeyText[] {
  let memo = walk.keyMemos[depth];
  if (memo === undefined) {
    memo = { redactKeys, texts: [] };
    walk.keyMemos[depth] = memo;
  } else if (memo.redactKeys !== redactKeys) {
    memo.redactKeys = redactKeys;
    memo.texts.length = 0;
  }
  return memo.texts;
}

/**
 * `out` with `head` and a number, boolean or string `value` appended as `write` would write it
 * (the same text, the same budget tests: `limit - length` is room() at each point), or undefined
 * for any other value and for a string `write` would cut. Appends, never a concatenation of the
 * parts first: each append of a short string costs about as much as the concatenation would.
 */
function appendPrimitive(
  out: string,
  head: string,
  value: unknown,
  limit: number,
  maxString: number,
): string | undefined {
  switch (typeof value) {
    case 'number':
      return out + head + numberText(value);
    case 'boolean':
      return out + head + (value ? 'true' : 'false');
    case 'string': {
      // writeString's test for a string kept whole: it and its quotes fit room().
      const left = limit - out.length - head.length - 2;
      if (value.length > maxString || value.length > left) return undefined;
      if (isPlainText(value)) {
        return `${out + head}"${value}"`;
      }
      const text = JSON.stringify(value);
      return text.length - 2 <= left ? out + head + text : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * How many entries follow the `shown` ones: the size at the start less those while the Map or Set
 * kept its size; else (a getter among its values added or deleted entries) counted by reading the
 * rest of `iterator`, whose intrinsic next() runs no user code, so that the count is never of
 * entries that are gone nor misses ones added. That reading is bounded by the collection's size
 * and happens only when the size changed during the capture.
 */
function entriesLeft(
  sizeGetter: () => unknown,
  collection: object,
  sizeAtStart: number,
  shown: number,
  iterator: Iterator<unknown>,
): number {
  if (collectionSize(sizeGetter, collection) === sizeAtStart) return Math.max(0, sizeAtStart - shown);
  let left = 0;
  while (iterator.next().done !== true) left++;
  return left;
}

/**
 * A Map's or Set's size through the intrinsic getter; undefined for an object that only has
 * Map.prototype or Set.prototype in its chain (the getter throws on it).
 */
function collectionSize(getter: () => unknown, collection: object): number | undefined {
  try {
    return getter.call(collection) as number;
  } catch {
    return undefined;
  }
}
