import { type CollectionWalk, type KeyMemo, writeMap, writeSet } from './collections.js';
import { fastAppend, type HandedItems, handedItems, handedKeys } from './fast-path.js';
import { keyText } from './key-texts.js';
import {
  DEFAULT_MAX_DEPTH,
  MARKER_ROOM,
  MAX_KEY_CHARS,
  REDACTED,
  type SerializeOptions,
  TRUNCATED_TEXT,
} from './limits.js';
import { numberText, quote, quoteChecked } from './quote.js';
import { functionName, safeMessage, safeString } from './safe-text.js';
import { classify, type Shape } from './shape.js';

const hasOwn = Object.prototype.hasOwnProperty;

const NO_OPTIONS: SerializeOptions = { maxChars: 0, maxStringChars: 0, redactKeys: [] };

/**
 * The full walk's state. Reused from one capture to the next (see `walk` in serialize.ts).
 * Members that are not private are also used by the Map and Set writers (collections.ts).
 */
export class Walker implements CollectionWalk {
  out = '';
  /** maxChars less the room kept for one marker: what content and closing brackets may fill. */
  limit = 0;
  /** Containers written but not closed yet: each needs one closing character. */
  open = 0;
  /** The budget ran out and its marker is written: only closing brackets follow. */
  exhausted = false;
  /** Objects being written, outermost first (at most maxDepth: a list beats a Set). */
  private readonly ancestors: object[] = [];
  private maxDepth = DEFAULT_MAX_DEPTH;
  options: SerializeOptions = NO_OPTIONS;
  /**
   * Per depth, the key texts of the last Map written there, by position, for one redaction list:
   * a Map captured again (or another built by the same code) has the same keys in the same
   * order, and comparing a key with the one last seen at its place costs less than the hash
   * lookup of keyText. Kept per walker (a capture started inside another gets its own walker,
   * so its redaction list never meets these), at most 100 keys per depth.
   */
  readonly keyMemos: KeyMemo[] = [];
  /** Lists take the items the direct path handed over and have their items tried on it. */
  private withDirectPath = false;

  reset(options: SerializeOptions, withDirectPath: boolean): void {
    this.options = options;
    this.withDirectPath = withDirectPath;
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

  emit(text: string): void {
    this.out += text;
  }

  /** Writes a placeholder string such as `"[Function f]"` (cut like any string). */
  note(text: string): void {
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
        this.emit(numberText(value));
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
          writeSet(this, obj as Set<unknown>, depth);
          break;
        case 'map':
          writeMap(this, obj as Map<unknown, unknown>, depth);
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
  memberCap(): number {
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
    const handed = this.withDirectPath && handedItems.size > 0 ? this.takeHandedItems(array) : undefined;
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
      handed,
    );
  }

  /**
   * The first items of `array` as the direct path wrote them at this very place of this capture
   * before it gave up, if it did: taken as they are, not read and written again.
   */
  private takeHandedItems(array: readonly unknown[]): HandedItems | undefined {
    const handed = handedItems.get(array);
    if (handed === undefined || handed.at !== this.out.length || handed.options !== this.options) {
      return undefined;
    }
    handedItems.delete(array);
    return handed;
  }

  /** The items from the first one not `handed` over (all of them without a hand-over). */
  private writeItems(
    length: number,
    itemAt: (i: number) => unknown,
    depth: number,
    handed: HandedItems | undefined,
  ): void {
    let i = 0;
    // Objects and arrays among the items are tried on the direct path first, until it gives up
    // on one (past the budget or an odd value: the rest are walked, so that no item is written
    // twice but that one). Not in a list it already gave up in.
    let direct = this.withDirectPath && handed === undefined;
    if (handed === undefined) {
      this.emit('[');
    } else {
      this.emit(handed.text);
      i = handed.next;
    }
    this.open++;
    for (; i < length && !this.exhausted; i++) {
      if (this.room() <= 0) {
        this.emit(`${i > 0 ? ',' : ''}${JSON.stringify(`…[${length - i} more items]`)}`);
        this.exhausted = true;
        break;
      }
      if (i > 0) this.emit(',');
      const item = itemAt(i);
      if (direct && typeof item === 'object' && item !== null) {
        const written = fastAppend(this.out, item, depth + 1, this.open, this.options);
        if (written !== undefined) {
          this.out = written;
          continue;
        }
        direct = false;
      }
      this.write(item, depth + 1);
    }
    this.open--;
    this.emit(']');
  }

  /** A member's key and its `:`: the cached text when the key is kept whole (as writeString would). */
  writeKey(key: string, text: string): void {
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
        this.emit(TRUNCATED_TEXT);
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

function marker(cut: number): string {
  return `…[truncated ${cut} chars]`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function readProperty(obj: Record<string, unknown>, key: string): unknown {
  try {
    return obj[key];
  } catch (error) {
    return `[Thrown: ${safeMessage(error)}]`;
  }
}
