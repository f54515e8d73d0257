import { Option } from 'commander';
import { durationMs, nonNegativeInt, positiveInt } from '../util/options.js';
import type { RegisterCommand } from './context.js';

export interface ReplayOptions {
  to: 'otlp' | 'langfuse';
  endpoint?: string;
  shiftTime?: boolean;
  dryRun?: boolean;
  newIds?: boolean;
  allSpans?: boolean;
  batchSize: number;
  concurrency: number;
  timeout?: number;
  retries: number;
  json?: boolean;
}

export const registerReplay: RegisterCommand = (program, ctx) => {
  program
    .command('replay')
    .summary('re-send recorded spans to an OTLP endpoint or to Langfuse')
    .description(
      'Re-send the spans of a trace file, batched, to any OTLP/HTTP endpoint (--to otlp: the ' +
        'OTEL_EXPORTER_OTLP_* variables apply) or to Langfuse (--to langfuse: LANGFUSE_PUBLIC_KEY, ' +
        "LANGFUSE_SECRET_KEY, LANGFUSE_BASE_URL, through @lazytrace/langfuse's translation). " +
        '429 and 5xx answers are retried with backoff, waiting what Retry-After asks. Exits 1 with a ' +
        'count when any span was not accepted.',
    )
    .argument('<file>', 'OTLP-JSON lines file to replay')
    .addOption(
      new Option('--to <backend>', 'where to send').choices(['otlp', 'langfuse']).makeOptionMandatory(),
    )
    .option(
      '--endpoint <url>',
      'otlp: base URL like OTEL_EXPORTER_OTLP_ENDPOINT (/v1/traces is added); langfuse: the base URL like LANGFUSE_BASE_URL',
    )
    .option(
      '--shift-time',
      'move the recording in time so that its last span ends now (gaps between spans kept)',
    )
    .option('--dry-run', 'read and validate the file and count what would be sent; send nothing')
    .option(
      '--new-ids',
      'send with fresh trace and span ids (a second copy; Langfuse keeps re-sent ids as duplicates)',
    )
    .option('--all-spans', 'langfuse: send every span, not only lazytrace and gen_ai.* spans')
    .option('--batch-size <n>', 'spans per request', positiveInt('--batch-size'), 512)
    .option('--concurrency <n>', 'requests in flight at once', positiveInt('--concurrency'), 2)
    .option(
      '--timeout <duration>',
      'per request (default: OTEL_EXPORTER_OTLP_TIMEOUT, else 10s)',
      durationMs('--timeout'),
    )
    .option('--retries <n>', 'otlp: attempts per request after the first', nonNegativeInt('--retries'), 4)
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace replay .lazytrace/traces.jsonl --to otlp --endpoint http://localhost:4318\n' +
        '  OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 lazytrace replay run.jsonl --to otlp --shift-time\n' +
        '  LANGFUSE_PUBLIC_KEY=pk-lf-… LANGFUSE_SECRET_KEY=sk-lf-… lazytrace replay run.jsonl --to langfuse --new-ids\n' +
        '  lazytrace replay run.jsonl --to otlp --dry-run',
    )
    .action(async (file: string, options: ReplayOptions) => {
      // Loaded on use: the exporters and serializers cost nothing to the other commands.
      const { replayAction } = await import('../actions/replay.js');
      await replayAction(ctx, file, options);
    });
};
