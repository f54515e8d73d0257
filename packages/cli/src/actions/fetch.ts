import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LangfuseConfigError, resolveLangfuseSettings } from '@lazytrace/langfuse';
import { buildTrace, readOtlpJson } from '@lazytrace/traces';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { CommandContext } from '../commands/context.js';
import type { FetchOptions } from '../commands/fetch.js';
import { CliError, UsageError } from '../errors.js';
import { Output } from '../io.js';
import { LangfuseReader } from '../langfuse/read-api.js';
import { readSettled } from '../langfuse/settle.js';
import { observationsToSpans, otelId } from '../langfuse/to-spans.js';
import { startProgress } from '../progress.js';
import { renderSpans } from '../render.js';
import { DEFAULT_RETRY } from '../util/retry.js';

/** `lazytrace fetch`: read a trace back from Langfuse, settle, write lines or print the tree. */
export async function fetchAction(
  ctx: CommandContext,
  traceIdText: string,
  options: FetchOptions,
): Promise<void> {
  const out = new Output(ctx.io, options.json);
  const traceId = traceIdText.trim();
  if (traceId === '' || /\s|\//.test(traceId))
    throw new UsageError(`not a trace id: ${JSON.stringify(traceIdText)}`);
  let settings: ReturnType<typeof resolveLangfuseSettings>;
  try {
    settings = resolveLangfuseSettings({
      env: ctx.io.env,
      ...(options.endpoint !== undefined ? { baseUrl: options.endpoint } : {}),
    });
  } catch (error) {
    if (error instanceof LangfuseConfigError || error instanceof TypeError)
      throw new UsageError((error as Error).message);
    throw error;
  }
  const reader = new LangfuseReader(
    {
      baseUrl: settings.baseUrl,
      publicKey: settings.publicKey,
      secretKey: settings.secretKey,
      timeoutMillis: Math.round(options.timeout ?? 10_000),
    },
    { ...DEFAULT_RETRY, attempts: 4, signal: ctx.io.signal },
    (message) => out.note(out.errColor.dim(message)),
  );
  const progress = startProgress(ctx.io, 'fetching', Math.max(1, options.wait), 'ms');
  let read: Awaited<ReturnType<typeof readSettled>>;
  try {
    read = await readSettled(reader, traceId, {
      waitMs: options.wait,
      signal: ctx.io.signal,
      onPoll: ({ observations, elapsedMs }) =>
        progress.update(Math.min(elapsedMs, options.wait), {
          what: `${observations} observations, waiting for ingestion`,
        }),
    });
  } finally {
    progress.stop();
  }
  if (read.observations.length === 0) {
    const waited = options.wait > 0 ? ` (waited ${Math.round(read.elapsedMs / 1000)}s for ingestion)` : '';
    throw new CliError(`trace ${traceId} not found in Langfuse at ${settings.baseUrl}${waited}`);
  }
  if (!read.settled && options.wait > 0) {
    out.warn(`trace ${traceId} was still changing when --wait ran out: what Langfuse had so far is shown`);
  }
  const spans = observationsToSpans(read.observations);
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new CliError('the fetched trace could not be encoded as OTLP-JSON');
  const line = new TextDecoder().decode(bytes);

  if (options.output !== undefined) {
    const path = resolve(ctx.io.cwd, options.output);
    mkdirSync(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, `${line}\n`);
    await rename(temp, path);
    const report = {
      traceId: otelId(traceId, 32),
      langfuseTraceId: traceId,
      source: read.source,
      observations: read.observations.length,
      settled: read.settled,
      file: path,
    };
    if (options.json) out.printJson(report);
    else
      out.line(
        `wrote ${spans.length} spans of trace ${traceId} to ${path}` +
          out.color.dim(` (from ${read.source})`),
      );
    return;
  }
  const records = readOtlpJson(line).spans;
  if (options.json) out.printJson(buildTrace(records, options.level));
  else out.line(renderSpans(out, records, options.level));
}
