const encoder = new TextEncoder();

/** Bytes a client may have unread before it is dropped (it resumes with Last-Event-ID). */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/**
 * One Server-Sent Events response. Written through a byte-counted ReadableStream, so a client that
 * stops reading is noticed (its unread bytes grow) and dropped instead of growing our memory; it
 * comes back with `Last-Event-ID` and misses nothing. A comment line every 15 s keeps proxies
 * and idle timeouts from closing a quiet stream.
 */
export class SseChannel {
  readonly response: Response;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private heartbeat: NodeJS.Timeout;
  private closeListeners: (() => void)[] = [];
  closed = false;

  constructor(headers: Record<string, string> = {}) {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.finish(),
      },
      { highWaterMark: MAX_UNREAD_BYTES, size: (chunk) => chunk.byteLength },
    );
    this.response = new Response(stream, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        ...headers,
      },
    });
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.write('retry: 1000\n\n');
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Sends one event; false when the channel is closed (or was just closed for being too slow). */
  send(event: string, data: string, id?: string): boolean {
    const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}`);
    return this.write(`event: ${event}\n${lines.join('\n')}\n${id === undefined ? '' : `id: ${id}\n`}\n`);
  }

  private write(text: string): boolean {
    if (this.closed) return false;
    try {
      this.controller.enqueue(encoder.encode(text));
    } catch {
      this.finish();
      return false;
    }
    if ((this.controller.desiredSize ?? 0) < 0) {
      // Slow reader: close it; Last-Event-ID brings it back to where it was.
      this.close();
      return false;
    }
    return true;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.controller.close();
    } catch {
      // already cancelled by the client
    }
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener();
      } catch {
        // nothing to do
      }
    }
  }
}
