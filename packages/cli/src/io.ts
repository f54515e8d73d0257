import pc from 'picocolors';

/** picocolors' colour functions (its own type, taken from its value). */
export type Colors = ReturnType<typeof pc.createColors>;

/** A stream the CLI writes to: `process.stdout`/`stderr`, or a collector in tests. */
export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything a command touches outside itself, so the same code runs as the bin and in tests. */
export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted when a long-running command (tail, serve) should stop: SIGINT/SIGTERM for the bin. */
  readonly signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal };
}

/**
 * Colours only on a terminal and never with `NO_COLOR` (no-color.org: set and not empty);
 * `FORCE_COLOR` (set and not `0`) forces them, the convention picocolors and chalk share.
 */
export function colorsEnabled(stream: OutStream, env: CliIo['env']): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** What a command prints with: colours decided once per stream, JSON mode, lines. */
export class Output {
  readonly color: Colors;
  readonly errColor: Colors;
  constructor(
    readonly io: CliIo,
    readonly json = false,
  ) {
    this.color = pc.createColors(colorsEnabled(io.stdout, io.env));
    this.errColor = pc.createColors(colorsEnabled(io.stderr, io.env));
  }

  get colors(): boolean {
    return colorsEnabled(this.io.stdout, this.io.env);
  }

  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** One JSON document on stdout (pretty on a terminal, one line otherwise: easy to pipe). */
  printJson(value: unknown): void {
    const pretty = this.io.stdout.isTTY === true;
    this.io.stdout.write(`${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`);
  }

  /** Notes go to stderr so stdout stays the command's result (a tree, JSON, lines). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.io.stderr.write(`${this.errColor.yellow('warning:')} ${text}\n`);
  }
}
