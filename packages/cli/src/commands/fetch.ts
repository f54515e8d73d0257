import { DETAIL_LEVELS, type DetailLevel } from '@lazytrace/traces';
import { Option } from 'commander';
import { durationMs } from '../util/options.js';
import type { RegisterCommand } from './context.js';

export interface FetchOptions {
  from: 'langfuse';
  output?: string;
  endpoint?: string;
  wait: number;
  timeout?: number;
  level: DetailLevel;
  json?: boolean;
}

export const registerFetch: RegisterCommand = (program, ctx) => {
  program
    .command('fetch')
    .summary('read a trace back from Langfuse into OTLP-JSON lines or a tree')
    .description(
      "Read a trace back from Langfuse's public API (observations v2 with cursor pagination; the " +
        'trace endpoint on servers without v2) with LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY / ' +
        'LANGFUSE_BASE_URL. Langfuse maps spans some time after it accepted them, so reads repeat ' +
        'until the trace stops changing (at most --wait). Writes OTLP-JSON lines with -o (readable ' +
        'by show, stats, serve …), else prints the tree.',
    )
    .argument('<trace-id>', 'the Langfuse trace id (for lazytrace traces: the OTel trace id, 32 hex digits)')
    .addOption(
      new Option('--from <backend>', 'where to read from').choices(['langfuse']).makeOptionMandatory(),
    )
    .option('-o, --output <file>', 'write the trace as OTLP-JSON lines to this file (replaced)')
    .option(
      '--endpoint <url>',
      'Langfuse base URL (default: LANGFUSE_BASE_URL, LANGFUSE_HOST, else Langfuse Cloud)',
    )
    .option(
      '--wait <duration>',
      'how long to wait for ingestion to settle (0: read once)',
      durationMs('--wait'),
      15_000,
    )
    .option('--timeout <duration>', 'per request', durationMs('--timeout'))
    .addOption(
      new Option('-l, --level <level>', 'detail of the printed tree')
        .choices(DETAIL_LEVELS)
        .default('standard'),
    )
    .option('--json', 'print { trace, root, orphans } (or, with -o, a report) as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace fetch 4bf92f3577b34da6a3ce929d0e0e4736 --from langfuse\n' +
        '  lazytrace fetch 4bf92f3577b34da6a3ce929d0e0e4736 --from langfuse -o trace.jsonl && lazytrace show trace.jsonl',
    )
    .action(async (traceId: string, options: FetchOptions) => {
      // Loaded on use: the Langfuse client side costs nothing to the other commands.
      const { fetchAction } = await import('../actions/fetch.js');
      await fetchAction(ctx, traceId, options);
    });
};
