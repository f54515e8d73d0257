import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from '../errors.js';
import { Output } from '../io.js';
import { durationMs, portNumber, positiveInt } from '../util/options.js';
import { sleep } from '../util/retry.js';
import { traceFilePath } from '../util/trace-file.js';
import type { RegisterCommand } from './context.js';

interface ServeOptions {
  port: number;
  host: string;
  db: string;
  open?: boolean;
  maxSpans?: number;
  retention?: number;
  allowRemote?: boolean;
  json?: boolean;
}

export const registerServe: RegisterCommand = (program, ctx) => {
  program
    .command('serve')
    .summary('the local trace service and viewer')
    .description(
      'Start the local trace service: OTLP/HTTP receiver (point OTEL_EXPORTER_OTLP_ENDPOINT at it), ' +
        'REST API, live updates and the web viewer, with a DuckDB store. Imports the given trace ' +
        'files (default: LAZYTRACE_FILE or .lazytrace/traces.jsonl) and keeps following them. ' +
        'Binds 127.0.0.1 only unless --allow-remote. Stops on Ctrl-C.',
    )
    .argument('[files...]', 'OTLP-JSON lines files to import and follow')
    .option('-p, --port <port>', 'port (0 picks a free one)', portNumber, 6007)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--db <path>', 'DuckDB file, or :memory: for none', '.lazytrace/lazytrace.duckdb')
    .option(
      '--max-spans <n>',
      'keep at most this many spans (oldest traces go first; default 1,000,000)',
      positiveInt('--max-spans'),
    )
    .option('--retention <duration>', 'drop traces older than this (e.g. 7d)', durationMs('--retention'))
    .option('--allow-remote', 'accept connections from other machines (the API has no authentication)')
    .option('--open', 'open the viewer in the browser')
    .option('--json', 'print { url, port, db, files } as one JSON line once listening')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace serve\n  lazytrace serve app.jsonl other.jsonl --port 0 --db :memory:\n' +
        '  lazytrace serve --open   # then: OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:6007 node app.js',
    )
    .action(async (files: string[], options: ServeOptions) => {
      const out = new Output(ctx.io, options.json);
      // Loaded on use: the DuckDB binding costs nothing to the commands that do not need it.
      const { startServer, StoreLockedError } = await import('@lazytrace/server');
      const paths =
        files.length > 0 ? files.map((f) => resolve(ctx.io.cwd, f)) : [traceFilePath(ctx.io, undefined)];
      const db = options.db === ':memory:' ? ':memory:' : resolve(ctx.io.cwd, options.db);
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer({
          port: options.port,
          host: options.host,
          db,
          files: paths,
          ...(options.maxSpans !== undefined ? { maxSpans: options.maxSpans } : {}),
          ...(options.retention !== undefined ? { retention: options.retention } : {}),
          ...(options.allowRemote ? { allowRemote: true } : {}),
          log: (message) => out.note(message),
        });
      } catch (error) {
        if (error instanceof StoreLockedError) throw new CliError(error.message);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') {
          throw new CliError(`port ${options.port} is in use: pass another --port (0 picks a free one)`);
        }
        throw new CliError(`cannot start the trace service: ${(error as Error).message}`);
      }
      // A mistyped FILE would otherwise give a silent, empty service: say what is followed but absent.
      for (const path of paths) {
        if (!existsSync(path)) {
          out.note(
            out.errColor.yellow(`${path} does not exist yet: it is followed, and imported when it appears`),
          );
        }
      }
      if (options.json) out.line(JSON.stringify({ url: server.url, port: server.port, db, files: paths }));
      else
        out.line(
          `${out.color.bold('lazytrace')} viewer: ${out.color.cyan(`${server.url}/`)}  (Ctrl-C to stop)`,
        );
      if (options.open) {
        try {
          const { default: openUrl } = await import('open');
          await openUrl(`${server.url}/`);
        } catch (error) {
          out.warn(`could not open a browser (${(error as Error).message}): open ${server.url}/ yourself`);
        }
      }
      const signal = ctx.io.signal;
      while (!signal?.aborted) await sleep(60_000, signal);
      out.note(out.errColor.dim('stopping…'));
      await server.close();
    });
};
