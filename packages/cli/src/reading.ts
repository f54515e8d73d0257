import { parseOtlpJsonLine, type ReadProblem, readOtlpJsonFile, type SpanRecord } from '@lazytrace/traces';
import { CliError, UsageError } from './errors.js';
import { Output } from './io.js';
import { readLines } from './util/line-reader.js';

/** A trace id as typed: the full 32 hex digits, or a unique prefix of at least 4. */
export function parseTraceId(text: string): string {
  const id = text.trim().toLowerCase();
  if (!/^[0-9a-f]{4,32}$/.test(id)) {
    throw new UsageError(
      `trace id ${JSON.stringify(text)} is not hex: give the 32 hex digits of a trace id, or a unique prefix of at least 4`,
    );
  }
  return id;
}

/** Tells about skipped lines once, on stderr, with the first few reasons. */
export function reportProblems(out: Output, path: string, problems: readonly ReadProblem[]): void {
  if (problems.length === 0) return;
  const listed = problems.filter((p) => p.line !== undefined).length;
  const what =
    listed === problems.length ? `${problems.length} unreadable line(s)` : `${problems.length} problem(s)`;
  out.warn(`${path}: skipped ${what}`);
  for (const problem of problems.slice(0, 3)) out.note(`  ${problem.message}`);
  if (problems.length > 3) out.note(`  … ${problems.length - 3} more`);
}

/** Every span of a file, problems reported; a file with problems and no span at all is a failure. */
export async function readAllSpans(out: Output, path: string): Promise<SpanRecord[]> {
  const { spans, problems } = await readOtlpJsonFile(path);
  reportProblems(out, path, problems);
  failIfUnreadable(path, spans.length, problems);
  return spans;
}

export function failIfUnreadable(path: string, spanCount: number, problems: readonly ReadProblem[]): void {
  if (spanCount === 0 && problems.length > 0) {
    throw new CliError(
      `no spans could be read from ${path}: it is not OTLP-JSON (first problem: ${problems[0]!.message})`,
    );
  }
}

/**
 * The spans of the given traces (full ids). Each line's text is searched for the ids first (hex,
 * as OTLP/JSON writes them, or base64, as some writers do) and only matching lines are parsed,
 * so picking traces out of a 100,000-span file costs a scan, not a parse. A file that is one
 * JSON document rather than lines is read whole.
 */
export async function collectTraces(
  out: Output,
  path: string,
  ids: readonly string[],
): Promise<Map<string, SpanRecord[]>> {
  const byTrace = new Map<string, SpanRecord[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return byTrace;
  const problems: ReadProblem[] = [];
  if (await isJsonLines(path)) {
    const needles = ids.flatMap((id) => [
      Buffer.from(id),
      Buffer.from(Buffer.from(id, 'hex').toString('base64')),
    ]);
    for await (const line of readLines(path)) {
      if (!needles.some((needle) => line.bytes.indexOf(needle) !== -1)) continue;
      const parsed = parseOtlpJsonLine(line.bytes.toString('utf8'), line.number);
      if (parsed.problem !== undefined) problems.push(parsed.problem);
      for (const span of parsed.spans) byTrace.get(span.traceId)?.push(span);
    }
  } else {
    const result = await readOtlpJsonFile(path, {
      onSpans: (batch) => {
        for (const span of batch) byTrace.get(span.traceId)?.push(span);
      },
    });
    problems.push(...result.problems);
  }
  reportProblems(out, path, problems);
  return byTrace;
}

/** The spans of one trace, by full id or unique prefix; a clear failure when it is not there. */
export async function readTrace(out: Output, path: string, id: string): Promise<SpanRecord[]> {
  if (id.length === 32) {
    const spans = (await collectTraces(out, path, [id])).get(id) ?? [];
    if (spans.length === 0) throw new CliError(`trace ${id} not found in ${path}`);
    return spans;
  }
  const matching = new Set<string>();
  const result = await readOtlpJsonFile(path, {
    onSpans: (batch) => {
      for (const span of batch) if (span.traceId.startsWith(id)) matching.add(span.traceId);
    },
  });
  reportProblems(out, path, result.problems);
  failIfUnreadable(path, result.spanCount, result.problems);
  if (matching.size === 0) throw new CliError(`trace ${id} not found in ${path}`);
  if (matching.size > 1) {
    const some = [...matching].slice(0, 5).join(', ');
    throw new UsageError(`trace id prefix ${id} is ambiguous in ${path}: ${matching.size} traces (${some}…)`);
  }
  const [traceId] = matching as unknown as [string];
  return (await collectTraces(new Output({ ...out.io, stderr: { write() {} } }), path, [traceId])).get(
    traceId,
  )!;
}

/** JSON lines (the file backend's format), judged by whether the first non-blank line parses alone. */
export async function isJsonLines(path: string): Promise<boolean> {
  for await (const line of readLines(path, { chunkBytes: 1 << 16 })) {
    const text = line.bytes.toString('utf8').trim();
    if (text === '') continue;
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  }
  // No complete line: one unterminated document (or nothing), read by the general reader.
  return false;
}
