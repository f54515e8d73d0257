// What a capture is bounded by: its options, the fixed limits and the texts that mark a cut or a
// redaction. Shared by the direct path (fast-path.ts) and the walk (walker.ts, collections.ts).

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
/** The marker of a cut object and of a value past the budget, as JSON text. */
export const TRUNCATED_TEXT = JSON.stringify('…[truncated]');
export const MAX_KEY_CHARS = 256;
/**
 * Room kept for the one truncation marker a cut value gets (`,"…":"…[truncated]"`,
 * `,"…[123456 more items]"`, a string's `…[truncated N chars]`). Closing brackets are counted
 * separately, one per open level, so a string six levels deep keeps what the budget allows.
 * (A Map or Set cut at MAX_COLLECTION_ENTRIES writes its marker from the budget when it fits
 * there, and keeps this room for the budget's own marker.)
 */
export const MARKER_ROOM = 48;
export const DEFAULT_MAX_DEPTH = 12;
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
