import { LangfuseClient } from '@langfuse/client';
import { trace } from '@opentelemetry/api';
import { type LangfuseOptions, resolveLangfuseSettings } from './settings.js';

export interface ScoreInput {
  readonly name: string;
  /** A number, or a string for categorical scores. */
  readonly value: number | string;
  readonly comment?: string;
  /** Default: the trace of the active span (call it inside the traced request). */
  readonly traceId?: string;
  readonly observationId?: string;
  readonly dataType?: 'NUMERIC' | 'CATEGORICAL' | 'BOOLEAN';
}

/** One client per Langfuse project (base URL and keys), so queued scores are never dropped. */
const clients = new Map<string, LangfuseClient>();

/**
 * Sends a score (user feedback, an evaluation) to Langfuse's Scores API through the official
 * `@langfuse/client`. Scores are queued and sent in batches; `flushScores()` sends them now.
 * Throws a `TypeError` for bad input; never throws for network trouble.
 */
export function score(input: ScoreInput, options?: LangfuseOptions): void {
  if (input === null || typeof input !== 'object') throw new TypeError('score: expected { name, value, … }');
  if (typeof input.name !== 'string' || input.name === '')
    throw new TypeError('score: "name" must be a non-empty string');
  if (typeof input.value !== 'number' && typeof input.value !== 'string') {
    throw new TypeError(`score: "value" must be a number or a string, got ${typeof input.value}`);
  }
  if (typeof input.value === 'number' && !Number.isFinite(input.value))
    throw new TypeError('score: "value" must be finite');
  if (input.comment !== undefined && typeof input.comment !== 'string')
    throw new TypeError('score: "comment" must be a string');
  let traceId = input.traceId;
  if (traceId === undefined) {
    const active = trace.getActiveSpan()?.spanContext();
    if (active === undefined || !trace.isSpanContextValid(active)) {
      throw new TypeError('score: no "traceId" given and no active span to take it from');
    }
    traceId = active.traceId;
  }
  if (!/^[0-9a-f]{32}$/.test(traceId))
    throw new TypeError(`score: "traceId" must be 32 hex characters, got ${JSON.stringify(traceId)}`);
  langfuseClient(options).score.create({
    name: input.name,
    value: input.value,
    traceId,
    observationId: input.observationId,
    comment: input.comment,
    dataType: input.dataType,
  });
}

/** Sends queued scores now. */
export async function flushScores(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.score.flush()));
}

/** Sends queued scores and releases the client. */
export async function shutdownScores(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.shutdown()));
}

function langfuseClient(options: LangfuseOptions | undefined): LangfuseClient {
  const settings = resolveLangfuseSettings(options);
  const key = `${settings.baseUrl}\n${settings.publicKey}\n${settings.secretKey}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = new LangfuseClient({
      publicKey: settings.publicKey,
      secretKey: settings.secretKey,
      baseUrl: settings.baseUrl,
    });
    clients.set(key, client);
  }
  return client;
}
