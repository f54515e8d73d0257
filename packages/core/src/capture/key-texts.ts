import { quote } from './quote.js';
import { keyMatcher } from './redaction.js';

/** A key as a member starts with: its quoted text with `:`, and whether its value is redacted. */
export interface KeyText {
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
export function keyText(key: string, redactKeys: readonly (string | RegExp)[]): KeyText {
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
