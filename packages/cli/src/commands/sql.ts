import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, UsageError } from '../errors.js';
import { Output } from '../io.js';
import type { RegisterCommand } from './context.js';

interface SqlOptions {
  db: string;
  json?: boolean;
  maxWidth: number;
}

export const registerSql: RegisterCommand = (program, ctx) => {
  program
    .command('sql')
    .summary("read-only SQL over the trace store's spans table")
    .description(
      "Run one read-only SQL statement against the trace service's DuckDB store (what `lazytrace " +
        'serve` wrote). The store is opened READ_ONLY: INSERT, UPDATE, DELETE and DDL fail. The ' +
        '`spans` table is described in the @lazytrace/cli README. While `lazytrace serve` runs on ' +
        'the file (DuckDB lets one process open it), the statement is sent to that service instead ' +
        '(found through <db>.serve.json): one SELECT/WITH/DESCRIBE/SHOW/EXPLAIN, run in a ' +
        'transaction that is rolled back, at most 10,000 rows and 30 s.',
    )
    .argument('<query>', 'the SQL statement, e.g. "SELECT name, count(*) FROM spans GROUP BY 1"')
    .option('--db <path>', 'DuckDB file', '.lazytrace/lazytrace.duckdb')
    .option('--json', 'print { columns, rows }')
    .option('--max-width <n>', 'cut table cells to this many characters', (v) => Number(v), 60)
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace sql "SELECT name, count(*) AS n, avg(duration_ms) FROM spans GROUP BY name ORDER BY n DESC"\n' +
        '  lazytrace sql "SELECT trace_id, duration_ms FROM spans WHERE parent_span_id IS NULL ORDER BY duration_ms DESC LIMIT 5" --json',
    )
    .action(async (query: string, options: SqlOptions) => {
      const out = new Output(ctx.io, options.json);
      if (query.trim() === '') throw new UsageError('the query is empty');
      const db = resolve(ctx.io.cwd, options.db);
      const { openStore, readServeDiscovery, StoreLockedError } = await import('@lazytrace/server');
      // A running `lazytrace serve` holds the file (DuckDB: one process per file): ask it instead.
      const service = readServeDiscovery(db);
      if (service !== undefined) {
        const result = await queryService(service.url, query);
        if (result !== undefined) {
          out.note(out.errColor.dim(`(asked the running lazytrace serve at ${service.url}, read-only)`));
          printResult(out, result, options);
          return;
        }
        // Nothing listens there (its pid now belongs to another process): the file is read instead.
      }
      if (!existsSync(db)) {
        throw new CliError(`no trace store at ${db}: run \`lazytrace serve\` first (or pass --db)`);
      }
      let store: Awaited<ReturnType<typeof openStore>>;
      try {
        store = await openStore({ db, readOnly: true });
      } catch (error) {
        if (error instanceof StoreLockedError) {
          const pid = /\(PID (\d+)\)/.exec(error.message)?.[1];
          throw new CliError(
            `the trace database ${db} is held by another process${pid === undefined ? '' : ` (PID ${pid})`} ` +
              `and no running \`lazytrace serve\` announced it (${db}.serve.json): stop that process, or ` +
              'restart `lazytrace serve` with this version so that sql can ask it',
          );
        }
        throw new CliError(`cannot open the trace store ${db}: ${(error as Error).message}`);
      }
      try {
        let result: Awaited<ReturnType<typeof store.query>>;
        try {
          result = await store.query(query);
        } catch (error) {
          const message = (error as Error).message;
          const readOnly = /read-only|read only/i.test(message);
          throw new CliError(readOnly ? `the store is opened read-only: ${message}` : message);
        }
        printResult(out, result, options);
      } finally {
        store.close();
      }
    });
};

interface Result {
  columns: { name: string }[];
  rows: Record<string, unknown>[];
  truncated?: boolean;
}

function printResult(out: Output, result: Result, options: SqlOptions): void {
  if (result.truncated) out.warn(`only the first ${result.rows.length} rows (the service caps an answer)`);
  if (options.json) {
    out.printJson(result);
    return;
  }
  printTable(
    out,
    result.columns.map((c) => c.name),
    result.rows,
    options.maxWidth,
  );
}

/**
 * `POST /api/sql` of the running service: one reading statement, rolled back, rows capped.
 * Undefined when nothing accepts the connection there.
 */
async function queryService(url: string, sql: string): Promise<Result | undefined> {
  let response: Response;
  try {
    response = await fetch(`${url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED') return undefined;
    throw new CliError(`cannot reach the running lazytrace serve at ${url}: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as Result & { error?: string };
  if (response.status === 403) throw new CliError(`the store is read-only here: ${body.error ?? ''}`);
  if (response.status === 404) {
    throw new CliError(
      `the lazytrace serve at ${url} has no SQL route (an older version): stop it to query the file`,
    );
  }
  if (!response.ok) throw new CliError(body.error ?? `${url}/api/sql answered ${response.status}`);
  return body;
}

function printTable(out: Output, columns: string[], rows: Record<string, unknown>[], maxWidth: number): void {
  const cell = (value: unknown) => {
    const text =
      value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    const flat = text.replace(/\s+/g, ' ');
    return flat.length > maxWidth ? `${flat.slice(0, Math.max(1, maxWidth - 1))}…` : flat;
  };
  const body = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  out.line(out.color.bold(line(columns)));
  out.line(out.color.dim(widths.map((w) => '─'.repeat(w)).join('  ')));
  for (const r of body) out.line(line(r));
  out.note(out.errColor.dim(`(${rows.length} row${rows.length === 1 ? '' : 's'})`));
}
