import { buildTrace, DETAIL_LEVELS, type DetailLevel, parseOtlpJsonLine } from '@lazytrace/traces';
import { Option } from 'commander';
import { Output } from '../io.js';
import { renderSpans } from '../render.js';
import { TraceAssembler } from '../tail/assembler.js';
import { FileFollower } from '../tail/follower.js';
import { durationMs } from '../util/options.js';
import { sleep } from '../util/retry.js';
import { traceFilePath } from '../util/trace-file.js';
import type { RegisterCommand } from './context.js';

interface TailOptions {
  level: DetailLevel;
  fromStart?: boolean;
  settle: number;
  interval: number;
  maxWait: number;
  json?: boolean;
}

export const registerTail: RegisterCommand = (program, ctx) => {
  program
    .command('tail')
    .summary('print each trace when it completes, as the file grows')
    .description(
      'Follow a trace file like tail -F and print each trace once its root span has ended and the ' +
        'file has settled (no growth for --settle). Survives truncation and rotation (cleanup, ' +
        'logrotate) and waits for a file that does not exist yet. Stops on Ctrl-C.',
    )
    .argument('[file]', 'OTLP-JSON lines file (default: LAZYTRACE_FILE or .lazytrace/traces.jsonl)')
    .addOption(
      new Option('-l, --level <level>', 'detail of each tree').choices(DETAIL_LEVELS).default('standard'),
    )
    .option('--from-start', 'also print the traces already in the file')
    .option(
      '--settle <duration>',
      'quiet time after which the file counts as settled',
      durationMs('--settle'),
      300,
    )
    .option('--interval <duration>', 'how often to look at the file', durationMs('--interval'), 200)
    .option(
      '--max-wait <duration>',
      'print a trace whose root never came after this long',
      durationMs('--max-wait'),
      60_000,
    )
    .option('--json', 'one { trace, root, orphans } JSON object per line per trace')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace tail\n  lazytrace tail app.jsonl --level minimal\n  lazytrace tail --json | jq .trace.name',
    )
    .action(async (file: string | undefined, options: TailOptions) => {
      const out = new Output(ctx.io, options.json);
      const path = traceFilePath(ctx.io, file);
      const assembler = new TraceAssembler(options.maxWait);
      let problems = 0;
      const follower = new FileFollower(path, {
        line: (text, lineNumber) => {
          const parsed = parseOtlpJsonLine(text, lineNumber);
          if (parsed.problem !== undefined && problems++ < 3) out.warn(`${path}: ${parsed.problem.message}`);
          assembler.add(parsed.spans);
        },
        truncated: () => {
          assembler.reset();
          out.note(out.errColor.dim(`${path} was truncated: reading from its start`));
        },
        rotated: () => out.note(out.errColor.dim(`${path} was replaced (rotation): following the new file`)),
        tornLine: (bytes) =>
          out.warn(`the replaced file ended with an incomplete line (${bytes} bytes): skipped`),
      });
      await follower.start();
      if (!follower.open) out.note(out.errColor.dim(`waiting for ${path} to appear…`));
      else {
        await follower.poll();
        const skipped = options.fromStart ? 0 : assembler.skipExisting();
        out.note(
          out.errColor.dim(
            `following ${path}${skipped > 0 ? ` (${skipped} earlier trace(s) not shown; --from-start shows them)` : ''}`,
          ),
        );
      }
      const print = (ready: ReturnType<TraceAssembler['take']>) => {
        for (const { spans, complete } of ready) {
          if (options.json) {
            out.line(JSON.stringify(buildTrace(spans, options.level)));
            continue;
          }
          if (!complete)
            out.note(
              out.errColor.yellow(`trace ${spans[0]?.traceId} never got its root span; printed as it is`),
            );
          out.line(renderSpans(out, spans, options.level));
          out.line();
        }
      };
      if (options.fromStart) print(assembler.take(true));
      const signal = ctx.io.signal;
      try {
        while (!signal?.aborted) {
          await follower.poll();
          const settled = Date.now() - follower.lastChangeMs >= options.settle;
          print(assembler.take(settled));
          await sleep(options.interval, signal);
        }
      } finally {
        await follower.close();
      }
      if (assembler.dropped > 0)
        out.warn(`${assembler.dropped} unfinished traces were dropped to bound memory`);
    });
};
