/** Upper bound of non-string chunks kept for the recorded output of a stream. */
const MAX_KEPT_CHUNKS = 1_000;

/**
 * Keeps what a stream yielded, within a budget, so hooks can see "the whole stream" as output:
 * string chunks are concatenated, anything else becomes the list of chunks. It never holds more
 * than about `maxChars` characters or `MAX_KEPT_CHUNKS` chunks, however long the stream.
 */
export class StreamCollector {
  private readonly kept: unknown[] = [];
  private chars = 0;
  private dropped = 0;
  private onlyStrings = true;

  constructor(private readonly maxChars: number) {}

  add(chunk: unknown): void {
    const isString = typeof chunk === 'string';
    if (!isString) this.onlyStrings = false;
    if (this.chars < this.maxChars && this.kept.length < MAX_KEPT_CHUNKS) {
      this.kept.push(chunk);
      if (isString) this.chars += (chunk as string).length;
    } else {
      this.dropped++;
    }
  }

  output(): unknown {
    if (this.onlyStrings && this.kept.length > 0) {
      const text = (this.kept as string[]).join('');
      return this.dropped > 0 ? `${text}…[${this.dropped} more chunks not recorded]` : text;
    }
    if (this.dropped > 0) return [...this.kept, `…[${this.dropped} more chunks not recorded]`];
    return this.kept.slice();
  }
}
