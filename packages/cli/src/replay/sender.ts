import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** What became of one batch. */
export interface BatchOutcome {
  /** Spans the backend took (a 2xx, minus what it reported as rejected). */
  readonly accepted: number;
  /** Spans sent and not taken (a partial success's rejected count, or the whole batch on failure). */
  readonly rejected: number;
  /** Spans this destination does not take by design (Langfuse's span filter). */
  readonly skipped: number;
  /** Why spans were not accepted, for the report. */
  readonly error?: string;
  /**
   * The failure is not about this batch (endpoint down, wrong credentials, retries exhausted):
   * sending the rest would fail the same way, so replay stops and counts them as not sent.
   */
  readonly stop?: boolean;
}

/** A destination for replayed spans. */
export interface SpanSender {
  /** Where spans go, for messages (a URL; never a credential). */
  readonly target: string;
  send(spans: ReadableSpan[]): Promise<BatchOutcome>;
  shutdown(): Promise<void>;
}
