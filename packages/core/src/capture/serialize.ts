import { errorMessage } from '../logger.js';
import { isAsyncIterable } from '../streaming/is-async-iterable.js';
import { keyMatcher } from './redaction.js';

export interface SerializeOptions {
  /** Budget for the whole JSON text. The result never exceeds it. */
  readonly maxChars: number;
  /** Budget per string (and per key). */
  readonly maxStringChars: number;
  readonly redactKeys: readonly (string | RegExp)[];
  /** Nesting deeper than this is shown as a placeholder. Default 12. */
  readonly maxDepth?: number;
}

export const REDACTED = '[REDACTED]';
export const TRUNCATED = '…[truncated]';
const TRUNCATED_TEXT = JSON.stringify(TRUNCATED);
const MAX_KEY_CHARS = 256;
/**
 * Room kept for the one truncation marker a cut value gets (`,"…":"…[truncated]"`,
 * `,"…[123456 more items]"`, a string's `…[truncated N chars]`). Closing brackets are counted
 * separately, one per open level, so a string six levels deep keeps what the budget allows.
 * (A Map or Set cut at MAX_COLLECTION_ENTRIES writes its marker from the budget when it fits
 * there, and keeps this room for the budget's own marker.)
 */
const MARKER_ROOM = 48;
const DEFAULT_MAX_DEPTH = 12;
/**
 * At most this many entries of a Map and of a Set are shown, as Node's `util.inspect` does (its
 * `maxArrayLength` defaults to 100); a marker then says how many more there are: a Set's last item
 * `"…[N more items]"`, a Map's last member `"…":"…[N more entries]"`. The character budget still
 * applies on top: whichever comes first cuts. Entries past the cap are never read, so a
 * million-entry Map costs what a 1 KB capture costs (about 100 tiny members) instead of the ~300
 * members that fill 4,096 characters. Arrays are not capped: they are JSON data, cut by the
 * budget only, as before.
 */
export const MAX_COLLECTION_ENTRIES = 100;

const hasOwn = Object.prototype.hasOwnProperty;
/** Characters JSON must escape (and lone surrogates). Most text has none: it is quoted as is, at a fraction of the cost. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** Strings at least this long that the direct path checked are remembered for the walk. */
const LONG_STRING = 256;
/**
 * Long strings the direct path found free of characters to escape, in the capture under way.
 * When the direct path gives up near the budget (plain data just over it: a few documents of a
 * retriever), the walk writes the same strings again: it need not scan them again. Emptied when
 * the capture ends, so no captured text is held after it.
 */
const escapeFree: string[] = [];

/**
 * The string needs no escape in JSON (what `quoteChecked` quotes as is). A short string is
 * checked by a loop over its characters, which costs less than a regular expression call.
 */
function isPlainText(text: string): boolean {
  if (text.length > 32) {
    return (text.length >= LONG_STRING && escapeFree.includes(text)) || !NEEDS_ESCAPE.test(text);
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return false;
  }
  return true;
}

/** `quote`, trusting what the direct path already checked in this capture. */
function quoteChecked(text: string): string {
  return text.length >= LONG_STRING && escapeFree.includes(text) ? `"${text}"` : quote(text);
}
/** A key as a member starts with: its quoted text with `:`, and whether its value is redacted. */
interface KeyText {
  readonly key: string;
  readonly text: string;
  /** `text` after a comma (`,"key":`): a member after the first is one append, not two. */
  readonly afterComma: string;
  readonly redacted: boolean;
}
let keyTextsFor: readonly (string | RegExp)[] | undefined;
let keyTextMatcher: (key: string) => boolean = () => false;
/**
 * Per key, for the redaction list of `keyTextsFor`: captures see the same few keys again and
 * again (`query`, `role`, `content` …), and the keys of a big Map again at every capture of it.
 * Shared by the direct path and the walk.
 */
const keyTexts = new Map<string, KeyText>();

/**
 * `key` under `redactKeys`. Checked on every key, not once per capture: a capture started from a
 * getter inside another (with other options) may have switched the cache in between.
 */
function keyText(key: string, redactKeys: readonly (string | RegExp)[]): KeyText {
  if (redactKeys !== keyTextsFor) {
    keyTextsFor = redactKeys;
    keyTextMatcher = keyMatcher(redactKeys);
    keyTexts.clear();
  }
  let known = keyTexts.get(key);
  if (known === undefined) {
    const text = `${quote(key)}:`;
    known = { key, text, afterComma: `,${text}`, redacted: keyTextMatcher(key) };
    if (keyTexts.size < 10_000) keyTexts.set(key, known);
  }
  return known;
}

// The intrinsics, taken once: a Map or Set subclass (or a patched prototype) cannot change how it is read.
const mapKeys = Map.prototype.keys;
const mapValues = Map.prototype.values;
const setValues = Set.prototype.values;
const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
const dateToISO = Date.prototype.toISOString;
const dateGetTime = Date.prototype.getTime;

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
 * that fit the budget whole: those take a direct path (see `fastWrite`) that writes exactly what
 * the full walk would, and anything else — a class instance, a Map, a value that needs cutting —
 * goes through the full walk.
 */
export function serializeValue(value: unknown, options: SerializeOptions): string {
  try {
    const fast = fastSerialize(value, options);
    if (fast !== undefined) return fast;
    return walkValue(value, options);
  } catch {
    return JSON.stringify('[unserializable]');
  } finally {
    if (escapeFree.length > 0) escapeFree.length = 0;
  }
}

/** The full walk alone (exported for the differential test of the direct path). */
export function walkValue(value: unknown, options: SerializeOptions): string {
  // One walker serves every capture; a capture started from inside another (a getter or toJSON
  // that captures) gets its own.
  const walker = idleWalker ?? new Walker();
  idleWalker = undefined;
  try {
    walker.reset(options);
    walker.write(value, 0);
    const text = walker.text();
    return text.length <= options.maxChars ? text : JSON.stringify(TRUNCATED);
  } catch {
    return JSON.stringify('[unserializable]');
  } finally {
    walker.release();
    idleWalker = walker;
    // Keys handed over are valid for the walk that follows their listing only.
    if (handedKeys.size > 0) handedKeys.clear();
  }
}

let idleWalker: Walker | undefined;

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
// The one visible difference: when it gives up, what it read is read again by the walk, so an
// enumerable getter on a plain object (rare in captured data) can run twice for that capture.
// ---------------------------------------------------------------------------------------------

/** Characters kept free below maxChars: the marker room plus a member's `:` and short value. */
const FAST_SLACK = MARKER_ROOM + 8;
let fastOut = '';
let fastLimit = 0;
let fastMaxString = 0;
let fastMaxDepth = DEFAULT_MAX_DEPTH;
let fastRedactKeys: readonly (string | RegExp)[] = [];
/** The direct path is running: a capture started from a getter inside it takes the walk. */
let fastBusy = false;
/**
 * Keys of large objects the direct path listed before giving up, for the walk to reuse: V8 lists
 * all of an object's keys when a for...in starts, which for 870k keys costs more than the rest
 * of the capture. Filled only for objects with more keys than the walk would show.
 */
const handedKeys = new Map<object, { keys: string[]; more: boolean; room: number }>();

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
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
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
  if (escapeFree.length > 0) escapeFree.length = 0;
  fastRedactKeys = options.redactKeys;
  fastLimit = options.maxChars - FAST_SLACK;
  fastMaxString = options.maxStringChars;
  fastMaxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  fastOut = '';
  fastBusy = true;
  try {
    return fastObject(value as object, 0, 0) ? fastOut : undefined;
  } catch {
    // A getter or Proxy trap threw: the walk shows that where it happened.
    return undefined;
  } finally {
    fastOut = '';
    fastBusy = false;
  }
}

/** Appends one value; false means "give up". `open` counts the containers around it. */
function fastWrite(value: unknown, depth: number, open: number): boolean {
  switch (typeof value) {
    case 'string':
      return fastString(value, fastMaxString);
    case 'number':
      fastOut += Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
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
  if (value.length >= LONG_STRING && escapeFree.length < 16 && !NEEDS_ESCAPE.test(value)) {
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
    fastOut += '[';
    for (let i = 0; i < length; i++) {
      if (i > 0) fastOut += ',';
      if (!fastWrite(obj[i], depth + 1, open + 1)) return false;
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
  const keys = keyBuffer(depth);
  let failed = false;
  let first = true;
  const start = fastOut.length;
  fastOut += '{';
  for (const key in record) {
    if (!hasOwn.call(record, key)) continue;
    if (keys.length >= cap) {
      // More keys than the walk shows: it cuts here. It gets the keys listed so far, so that a
      // huge object is listed once, not twice.
      handedKeys.set(obj, { keys: keys.slice(), more: true, room });
      return false;
    }
    keys.push(key);
    // After a give-up, only the keys are still listed (at most `cap`, for the hand-over).
    if (failed) continue;
    // The walk's test before every member, also one whose value is left out (undefined).
    if (key.length > MAX_KEY_CHARS || room - (fastOut.length - start) - 1 < key.length + 6) {
      failed = true;
      continue;
    }
    const known = keyText(key, fastRedactKeys);
    // A redacted key's value is never read.
    const value = known.redacted ? REDACTED : record[key];
    if (value === undefined) continue;
    if (!first) fastOut += ',';
    first = false;
    // The walk keeps a key whole when its quoted text fits (checked here with its `:`, one
    // character stricter: giving up is always safe).
    if (fastOut.length + known.text.length > fastLimit) {
      failed = true;
      continue;
    }
    fastOut += known.text;
    if (!fastWrite(value, depth + 1, open + 1)) failed = true;
  }
  fastOut += '}';
  return !failed && fastOut.length + open <= fastLimit;
}

/** One reusable key list per depth: listing keys allocates nothing once warm. */
const keyBuffers: string[][] = [];
function keyBuffer(depth: number): string[] {
  let keys = keyBuffers[depth];
  if (keys === undefined) {
    keys = [];
    keyBuffers[depth] = keys;
  }
  keys.length = 0;
  return keys;
}

const NO_OPTIONS: SerializeOptions = { maxChars: 0, maxStringChars: 0, redactKeys: [] };

/** The full walk's state. Reused from one capture to the next (see `walkValue`). */
class Walker {
  private out = '';
  /** maxChars less the room kept for one marker: what content and closing brackets may fill. */
  private limit = 0;
  /** Containers written but not closed yet: each needs one closing character. */
  private open = 0;
  /** The budget ran out and its marker is written: only closing brackets follow. */
  private exhausted = false;
  /** Objects being written, outermost first (at most maxDepth: a list beats a Set). */
  private readonly ancestors: object[] = [];
  private maxDepth = DEFAULT_MAX_DEPTH;
  private options: SerializeOptions = NO_OPTIONS;
  /**
   * Per depth, the key texts of the last Map written there, by position, for one redaction list:
   * a Map captured again (or another built by the same code) has the same keys in the same
   * order, and comparing a key with the one last seen at its place costs less than the hash
   * lookup of keyText. Kept per walker (a capture started inside another gets its own walker,
   * so its redaction list never meets these), at most 100 keys per depth.
   */
  private readonly keyMemos: { redactKeys: readonly (string | RegExp)[]; texts: KeyText[] }[] = [];

  reset(options: SerializeOptions): void {
    this.options = options;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.out = '';
    this.limit = options.maxChars - MARKER_ROOM;
    this.open = 0;
    this.exhausted = false;
    this.ancestors.length = 0;
  }

  /**
   * Drops what the last capture referenced, so an idle walker keeps nothing of its content alive
   * (only key texts, as keyText's cache keeps them: see keyMemos).
   */
  release(): void {
    this.out = '';
    this.ancestors.length = 0;
    this.options = NO_OPTIONS;
  }

  text(): string {
    return this.out;
  }

  /** Characters content may still use, leaving room for one marker and every closing bracket. */
  private room(): number {
    return this.limit - this.out.length - this.open;
  }

  private emit(text: string): void {
    this.out += text;
  }

  /** Writes a placeholder string such as `"[Function f]"` (cut like any string). */
  private note(text: string): void {
    this.writeString(text, this.options.maxStringChars);
  }

  write(value: unknown, depth: number): void {
    if (this.exhausted) {
      // Only reached for the value of a key that used the last of the budget.
      this.emit('null');
      return;
    }
    switch (typeof value) {
      case 'string':
        this.writeString(value, this.options.maxStringChars);
        return;
      case 'number':
        this.emit(Number.isFinite(value) ? String(value) : JSON.stringify(String(value)));
        return;
      case 'boolean':
        this.emit(value ? 'true' : 'false');
        return;
      case 'bigint':
        this.note(`${value.toString()}n`);
        return;
      case 'undefined':
        this.emit('null');
        return;
      case 'symbol':
        this.note(safeString(value));
        return;
      case 'function':
        this.note(`[Function ${functionName(value)}]`);
        return;
      default:
        if (value === null) this.emit('null');
        else this.writeObject(value as object, depth);
    }
  }

  /**
   * Writes a string cut to `limit` characters and to what the budget leaves, with its marker. Cut
   * by the budget (not by the per-string limit), the walk ends here.
   */
  private writeString(value: string, limit: number): void {
    const room = this.room() - 2;
    if (value.length <= limit && value.length <= room) {
      const text = quoteChecked(value);
      if (text.length - 2 <= room) {
        this.emit(text);
        return;
      }
    }
    const markerRoom = marker(value.length).length;
    let kept = Math.max(0, Math.min(value.length, limit, room - markerRoom));
    let text = '';
    for (;;) {
      // Never split a surrogate pair: the kept prefix stays readable text.
      if (kept > 0 && kept < value.length && isHighSurrogate(value.charCodeAt(kept - 1))) kept--;
      const mark = marker(value.length - kept);
      text = quote(value.slice(0, kept) + mark);
      if (text.length - 2 <= Math.max(room, markerRoom) || kept === 0) break;
      // Escapes (\n, \u0000 …) made the kept part longer than its characters: keep fewer, in
      // proportion (and at least one fewer, so this ends).
      const escaped = text.length - 2 - mark.length;
      kept = Math.max(0, Math.min(kept - 1, Math.floor((kept * (room - mark.length)) / escaped)));
    }
    if (kept < value.length && kept < limit) this.exhausted = true;
    this.emit(text);
  }

  private writeObject(obj: object, depth: number): void {
    if (this.ancestors.includes(obj)) {
      this.note('[Circular]');
      return;
    }
    let shape: Shape;
    try {
      shape = classify(obj);
    } catch (error) {
      this.note(`[Unserializable: ${safeMessage(error)}]`);
      return;
    }
    if (shape.kind === 'note') {
      this.note(shape.text);
      return;
    }
    if (depth >= this.maxDepth) {
      this.note(shape.kind === 'array' ? '[Array]' : '[Object]');
      return;
    }
    this.ancestors.push(obj);
    try {
      switch (shape.kind) {
        case 'array':
          this.writeArray(obj as unknown[], depth);
          break;
        case 'set':
          this.writeSet(obj as Set<unknown>, depth);
          break;
        case 'map':
          this.writeMap(obj as Map<unknown, unknown>, depth);
          break;
        case 'replace':
          this.write(shape.value, depth + 1);
          break;
        case 'error':
          this.writeError(obj as Error, depth);
          break;
        case 'object':
          this.writeRecord(obj as Record<string, unknown>, depth);
          break;
      }
    } finally {
      this.ancestors.pop();
    }
  }

  /** How many members can possibly be shown: each costs at least two characters (`0,`). */
  private memberCap(): number {
    return Math.max(0, Math.floor(this.room() / 2)) + 1;
  }

  /**
   * Arrays are JSON data: cut by the budget only (a `"…[N more items]"` item where it ran out),
   * never at MAX_COLLECTION_ENTRIES as Maps and Sets are.
   */
  private writeArray(array: readonly unknown[], depth: number): void {
    let length: number;
    try {
      length = array.length;
    } catch (error) {
      this.note(`[Unserializable: ${safeMessage(error)}]`);
      return;
    }
    this.writeItems(
      length,
      (i) => {
        try {
          return array[i];
        } catch (error) {
          return `[Thrown: ${safeMessage(error)}]`;
        }
      },
      depth,
    );
  }

  private writeItems(length: number, itemAt: (i: number) => unknown, depth: number): void {
    this.emit('[');
    this.open++;
    for (let i = 0; i < length && !this.exhausted; i++) {
      if (this.room() <= 0) {
        this.emit(`${i > 0 ? ',' : ''}${JSON.stringify(`…[${length - i} more items]`)}`);
        this.exhausted = true;
        break;
      }
      if (i > 0) this.emit(',');
      this.write(itemAt(i), depth + 1);
    }
    this.open--;
    this.emit(']');
  }

  // Maps and Sets: each member is appended to a local string (cheaper than appending to a field),
  // a primitive member in place; anything else goes through `write` with the text handed back
  // and forth.

  private writeSet(set: Set<unknown>, depth: number): void {
    let size = collectionSize(setSize, set);
    if (size === undefined) {
      this.note('[Unserializable: not a Set]');
      return;
    }
    // Read as written, never ahead: a million-element Set costs what its shown elements cost.
    const values = setValues.call(set) as IterableIterator<unknown>;
    const maxString = this.options.maxStringChars;
    this.emit('[');
    this.open++;
    // room() is limit - out.length while the members are written (nested values close their levels).
    const limit = this.limit - this.open;
    let out = this.out;
    // `out` ends inside a string item whose closing quote is not written yet: the next string
    // item then starts with `","`, one append for what would be two.
    let quoteOpen = false;
    for (let i = 0; !this.exhausted; i++) {
      if (i >= size) {
        // The size again, once: a getter among the items may have added some.
        size = collectionSize(setSize, set) ?? 0;
        if (i >= size) break;
      }
      const room = limit - out.length - (quoteOpen ? 1 : 0);
      if (room <= 0 || i === MAX_COLLECTION_ENTRIES) {
        if (quoteOpen) out += '"';
        quoteOpen = false;
        const mark = `${i > 0 ? ',' : ''}${JSON.stringify(`…[${size - i} more items]`)}`;
        // Cut by the cap, the walk goes on when the marker fits the budget; cut by the budget
        // (or a cap marker that needs the room kept for markers), only closing brackets follow.
        if (room < mark.length) this.exhausted = true;
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
      this.out = i > 0 ? `${out},` : out;
      this.write(value, depth + 1);
      out = this.out;
    }
    this.out = quoteOpen ? `${out}"` : out;
    this.open--;
    this.emit(']');
  }

  private writeMap(map: Map<unknown, unknown>, depth: number): void {
    const size = collectionSize(mapSize, map);
    if (size === undefined) {
      this.note('[Unserializable: not a Map]');
      return;
    }
    // At most this many entries are read (each member costs at least four characters), also
    // when values are undefined and take no room.
    const cap = Math.floor(this.memberCap() / 2) + 1;
    // Two iterators in step rather than one of entries: an entries iterator makes a [key, value]
    // array per entry, and these make nothing V8 keeps (about a quarter of the time per member).
    // They stay in step by definition: both walk the Map's one list of entries from the same
    // index, are read one right after the other with no code in between, and a change to the
    // Map (by a getter among the values) moves both alike.
    const keys = mapKeys.call(map) as IterableIterator<unknown>;
    const values = mapValues.call(map) as IterableIterator<unknown>;
    const redactKeys = this.options.redactKeys;
    const maxString = this.options.maxStringChars;
    const memo = this.keyMemo(depth, redactKeys);
    // Entries are read as they are written, never ahead (the members loop of writeMembers).
    this.emit('{');
    this.open++;
    const limit = this.limit - this.open;
    let out = this.out;
    let first = true;
    let remembered = true;
    for (let i = 0; !this.exhausted; i++) {
      if (i === MAX_COLLECTION_ENTRIES) {
        // (The size now too: a getter among the values may have added entries.)
        const more = Math.max(size, collectionSize(mapSize, map) ?? 0) - i;
        if (more > 0) {
          const mark = `${first ? '' : ','}"…":${JSON.stringify(`…[${more} more entries]`)}`;
          // As in writeSet: the walk goes on after a cap marker that fits the budget.
          if (limit - out.length < mark.length) this.exhausted = true;
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
        this.exhausted = true;
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
      this.out = first ? out : `${out},`;
      first = false;
      this.writeKey(key, known.text);
      this.write(value, depth + 1);
      out = this.out;
    }
    this.out = out;
    this.open--;
    this.emit('}');
  }

  /** The key texts by position for a Map written at `depth`, emptied when the redaction list changed. */
  private keyMemo(depth: number, redactKeys: readonly (string | RegExp)[]): KeyText[] {
    let memo = this.keyMemos[depth];
    if (memo === undefined) {
      memo = { redactKeys, texts: [] };
      this.keyMemos[depth] = memo;
    } else if (memo.redactKeys !== redactKeys) {
      memo.redactKeys = redactKeys;
      memo.texts.length = 0;
    }
    return memo.texts;
  }

  /** A member's key and its `:`: the cached text when the key is kept whole (as writeString would). */
  private writeKey(key: string, text: string): void {
    // `text` is the quoted key and `:`; writeString keeps a key whole when its quoted text fits.
    if (key.length <= MAX_KEY_CHARS && text.length - 3 <= this.room() - 2) {
      this.emit(text);
      return;
    }
    this.writeString(key, MAX_KEY_CHARS);
    this.emit(':');
  }

  private writeError(error: Error, depth: number): void {
    const keys: string[] = [];
    const values: unknown[] = [];
    for (const key of ['name', 'message', 'code', 'cause'] as const) {
      try {
        const value = (error as unknown as Record<string, unknown>)[key];
        if (value === undefined) continue;
        keys.push(key);
        values.push(value);
      } catch (thrown) {
        keys.push(key);
        values.push(`[Thrown: ${safeMessage(thrown)}]`);
      }
    }
    this.writeMembers(keys, (i) => values[i], false, depth);
  }

  private writeRecord(obj: Record<string, unknown>, depth: number): void {
    const handed = handedKeys.get(obj);
    if (handed !== undefined && handed.room === this.room()) {
      // The direct path listed this object's keys at this very place: V8 lists all keys of an
      // object when a for...in starts, so a second listing of 870k keys would double the cost.
      handedKeys.delete(obj);
      this.writeMembers(handed.keys, (i) => readProperty(obj, handed.keys[i]!), handed.more, depth);
      return;
    }
    const keys: string[] = [];
    // Each member costs at least four characters (`"":0`): keys past what the budget can show
    // are not collected. (V8 still lists an object's keys once when a for...in starts.)
    const cap = Math.floor(this.memberCap() / 2) + 1;
    let more = false;
    try {
      for (const key in obj) {
        if (!hasOwn.call(obj, key)) continue;
        if (keys.length >= cap) {
          more = true;
          break;
        }
        keys.push(key);
      }
    } catch (error) {
      this.note(`[Unserializable: ${safeMessage(error)}]`);
      return;
    }
    this.writeMembers(keys, (i) => readProperty(obj, keys[i]!), more, depth);
  }

  private writeMembers(
    keys: readonly string[],
    valueAt: (i: number) => unknown,
    more: boolean,
    depth: number,
  ): void {
    this.emit('{');
    this.open++;
    let first = true;
    for (let i = 0; (i < keys.length || more) && !this.exhausted; i++) {
      // A member starts only when its key fits whole (plus `:` and a short value): a cut key
      // would say less than the marker.
      if (i >= keys.length || this.room() < Math.min(keys[i]!.length, MAX_KEY_CHARS) + 6) {
        this.emit(first ? '"…":' : ',"…":');
        this.emit(JSON.stringify(TRUNCATED));
        this.exhausted = true;
        break;
      }
      const key = keys[i]!;
      const known = keyText(key, this.options.redactKeys);
      const value = known.redacted ? REDACTED : valueAt(i);
      // JSON leaves out undefined properties, and so do we.
      if (value === undefined) continue;
      if (!first) this.emit(',');
      first = false;
      this.writeKey(key, known.text);
      this.write(value, depth + 1);
    }
    this.open--;
    this.emit('}');
  }
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
      if (Number.isFinite(value)) return out + head + value;
      return out + head + JSON.stringify(String(value));
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

function marker(cut: number): string {
  return `…[truncated ${cut} chars]`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
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

function readProperty(obj: Record<string, unknown>, key: string): unknown {
  try {
    return obj[key];
  } catch (error) {
    return `[Thrown: ${safeMessage(error)}]`;
  }
}

type Shape =
  | { kind: 'note'; text: string }
  | { kind: 'array' | 'set' | 'map' | 'error' | 'object' }
  | { kind: 'replace'; value: unknown };

const ARRAY: Shape = { kind: 'array' };
const SET: Shape = { kind: 'set' };
const MAP: Shape = { kind: 'map' };
const ERROR: Shape = { kind: 'error' };
const OBJECT: Shape = { kind: 'object' };

/** Decides how to show an object, before anything of it is written (a revoked Proxy throws here). */
function classify(obj: object): Shape {
  if (Array.isArray(obj)) return ARRAY;
  // Plain objects (most captured values) skip the checks for special classes below.
  const proto = Object.getPrototypeOf(obj);
  if (
    (proto === Object.prototype || proto === null) &&
    typeof (obj as { toJSON?: unknown }).toJSON !== 'function'
  ) {
    return OBJECT;
  }
  if (obj instanceof Date) {
    const time = dateGetTime.call(obj);
    return { kind: 'note', text: Number.isNaN(time) ? 'Invalid Date' : dateToISO.call(obj) };
  }
  if (obj instanceof Error) return ERROR;
  if (ArrayBuffer.isView(obj)) {
    return { kind: 'note', text: `[${constructorName(obj) ?? 'TypedArray'} ${obj.byteLength} bytes]` };
  }
  if (
    obj instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && obj instanceof SharedArrayBuffer)
  ) {
    return { kind: 'note', text: `[${constructorName(obj) ?? 'ArrayBuffer'} ${obj.byteLength} bytes]` };
  }
  if (obj instanceof Map) return MAP;
  if (obj instanceof Set) return SET;
  if (obj instanceof RegExp) return { kind: 'note', text: String(obj) };
  if (obj instanceof Promise) return { kind: 'note', text: '[Promise]' };
  if (obj instanceof WeakMap || obj instanceof WeakSet || obj instanceof WeakRef) {
    return { kind: 'note', text: `[${constructorName(obj)}]` };
  }
  if (obj instanceof String || obj instanceof Number || obj instanceof Boolean) {
    return { kind: 'replace', value: obj.valueOf() };
  }
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return { kind: 'replace', value: toJSON.call(obj) };
  if (isAsyncIterable(obj))
    return { kind: 'note', text: `[AsyncIterable ${constructorName(obj) ?? ''}]`.replace(' ]', ']') };
  if (typeof (obj as { next?: unknown }).next === 'function' && Symbol.iterator in obj) {
    // Iterating a generator would consume it: show that it is one, never its values.
    return { kind: 'note', text: `[Iterator ${constructorName(obj) ?? ''}]`.replace(' ]', ']') };
  }
  return OBJECT;
}

function constructorName(obj: object): string | undefined {
  try {
    const name = (obj as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

function functionName(f: Function): string {
  try {
    return f.name || 'anonymous';
  } catch {
    return 'anonymous';
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}

function safeMessage(error: unknown): string {
  const message = errorMessage(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
