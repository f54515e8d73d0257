// A string as JSON text: quoted as is when it has nothing to escape (most text), else by
// JSON.stringify; and the long strings the direct path already checked, for the walk that follows it.

/** Characters JSON must escape (and lone surrogates). Most text has none: it is quoted as is, at a fraction of the cost. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** Strings at least this long that the direct path checked are remembered for the walk. */
export const LONG_STRING = 256;
/**
 * Long strings the direct path found free of characters to escape, in the capture under way.
 * When the direct path gives up near the budget (plain data just over it: a few documents of a
 * retriever), the walk writes the same strings again: it need not scan them again. Emptied when
 * the capture ends, so no captured text is held after it.
 */
export const escapeFree: string[] = [];

/**
 * The string needs no escape in JSON (what `quoteChecked` quotes as is). A short string is
 * checked by a loop over its characters, which costs less than a regular expression call.
 */
export function isPlainText(text: string): boolean {
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
export function quoteChecked(text: string): string {
  return text.length >= LONG_STRING && escapeFree.includes(text) ? `"${text}"` : quote(text);
}

/** A number as JSON text: NaN and the infinities, which JSON has no word for, as strings. */
export function numberText(value: number): string {
  return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
}
