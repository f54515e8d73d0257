import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { registerAnalyze } from './commands/analyze.js';
import { registerCleanup } from './commands/cleanup.js';
import type { CommandContext } from './commands/context.js';
import { registerExportHtml } from './commands/export-html.js';
import { registerFetch } from './commands/fetch.js';
import { registerReplay } from './commands/replay.js';
import { registerServe } from './commands/serve.js';
import { registerShow } from './commands/show.js';
import { registerSql } from './commands/sql.js';
import { registerStats } from './commands/stats.js';
import { registerTail } from './commands/tail.js';
import { CliError, errorMessage } from './errors.js';
import { type CliIo, colorsEnabled, type OutStream, processIo } from './io.js';
import { VERSION } from './version.js';

/** Builds the `lazytrace` program: every command, its options and its help. */
export function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command('lazytrace')
    .description(
      'Look at, share and move lazytrace / OpenTelemetry traces: trace trees, live tail, stats, ' +
        'analysis, a local trace service with a viewer, an offline HTML report, replay to OTLP or ' +
        'Langfuse, fetch from Langfuse, cleanup, and SQL over the store.',
    )
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(pc.createColors(colorsEnabled(io.stderr, io.env)).red(text)),
    })
    .addHelpText(
      'after',
      '\nFILE defaults to LAZYTRACE_FILE, else .lazytrace/traces.jsonl. Colours only on a terminal, never\n' +
        'with NO_COLOR. Exit codes: 0 ok, 1 failure, 2 usage error. `lazytrace help <command>` for details.',
    );
  for (const register of [
    registerShow,
    registerTail,
    registerStats,
    registerAnalyze,
    registerServe,
    registerExportHtml,
    registerReplay,
    registerFetch,
    registerCleanup,
    registerSql,
  ]) {
    register(program, ctx);
  }
  return program;
}

/**
 * Runs the command line (arguments after the program name) and resolves to the exit code:
 * 0 ok, 1 failure, 2 usage error. Never throws, never calls `process.exit`.
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const guarded: CliIo = {
    ...io,
    stdout: redacting(io.stdout, io.env, argv),
    stderr: redacting(io.stderr, io.env, argv),
  };
  let exitCode: 0 | 1 | 2 = 0;
  const ctx: CommandContext = {
    io: guarded,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed the message (or the help) already.
      return error.exitCode === 0 ? 0 : 2;
    }
    const red = pc.createColors(colorsEnabled(guarded.stderr, io.env)).red;
    if (error instanceof CliError) {
      guarded.stderr.write(`${red('lazytrace:')} ${error.message}\n`);
      return error.exitCode;
    }
    guarded.stderr.write(`${red('lazytrace:')} ${errorMessage(error)}\n`);
    if (io.env.LAZYTRACE_DEBUG && error instanceof Error && error.stack)
      guarded.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

/**
 * Belt and braces for "the secret is never printed": whatever a command or a library writes,
 * the Langfuse secret key (and an OTLP header value, the password of a URL given in the
 * environment or on the command line) cannot reach the terminal verbatim.
 */
function redacting(stream: OutStream, env: CliIo['env'], argv: readonly string[]): OutStream {
  const secretKey = env.LANGFUSE_SECRET_KEY?.trim();
  const secrets = [
    secretKey,
    // The Basic credentials of an Authorization header a library might echo in its error.
    secretKey && Buffer.from(`${env.LANGFUSE_PUBLIC_KEY?.trim() ?? ''}:${secretKey}`).toString('base64'),
    ...otlpHeaderValues(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...otlpHeaderValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    ...URL_VARIABLES.flatMap((name) => urlPasswords(env[name])),
    // `--to http://u:p@host` and `--to=http://u:p@host`.
    ...argv.flatMap((arg) => [...urlPasswords(arg), ...urlPasswords(arg.slice(arg.indexOf('=') + 1))]),
  ].filter((s): s is string => s !== undefined && s.length >= 4);
  if (secrets.length === 0) return stream;
  return {
    isTTY: stream.isTTY,
    columns: stream.columns,
    write(text: string) {
      let safe = text;
      for (const secret of secrets) if (safe.includes(secret)) safe = safe.split(secret).join('***');
      return stream.write(safe);
    },
  };
}

/**
 * The values of `key=value,…` (an API key, a bearer token), as written and URL-decoded. Read here
 * without @opentelemetry/core so that every command does not load it to start.
 */
function otlpHeaderValues(list: string | undefined): string[] {
  const values: string[] = [];
  for (const pair of list?.split(',') ?? []) {
    const value = pair.slice(pair.indexOf('=') + 1).trim();
    if (!pair.includes('=') || value === '') continue;
    values.push(value);
    try {
      values.push(decodeURIComponent(value));
    } catch {
      // Badly encoded: the command reports it; the value as written is masked all the same.
    }
  }
  return values;
}

/** The variables the commands read a URL from. */
const URL_VARIABLES = [
  'LANGFUSE_BASE_URL',
  'LANGFUSE_HOST',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
];

/** The password of `text` if it is a URL with one, as written and decoded; else nothing. */
function urlPasswords(text: string | undefined): string[] {
  if (text === undefined || !text.includes('@')) return [];
  let password: string;
  try {
    password = new URL(text.trim()).password;
  } catch {
    return [];
  }
  if (password === '') return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}
