import { getTracingSettings } from '@lazytrace/core';

/**
 * Text assembled from stream deltas, kept within the capture budget: a long answer costs what
 * the part that can be recorded costs, and the rest is only counted.
 */
export class TextBuffer {
  private parts: string[] = [];
  private length = 0;
  private dropped = 0;
  private readonly limit = getTracingSettings().maxContentChars;

  append(text: string): void {
    if (this.length < this.limit) {
      this.parts.push(text);
      this.length += text.length;
    } else {
      this.dropped += text.length;
    }
  }

  get isEmpty(): boolean {
    return this.length === 0 && this.dropped === 0;
  }

  toString(): string {
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    return this.dropped > 0 ? `${text}…[${this.dropped} more characters not recorded]` : text;
  }
}

/** Appends `text` to `buffer`, creating it on the first piece; returns the buffer. */
export function append(buffer: TextBuffer | undefined, text: string): TextBuffer {
  const target = buffer ?? new TextBuffer();
  target.append(text);
  return target;
}
