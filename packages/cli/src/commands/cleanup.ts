import { cleanupFile } from '../cleanup/rewrite.js';
import { Output } from '../io.js';
import { durationMs } from '../util/options.js';
import { existingTraceFile } from '../util/trace-file.js';
import type { RegisterCommand } from './context.js';

interface CleanupOptions {
  olderThan: number;
  dryRun?: boolean;
  grace: number;
  json?: boolean;
}

export const registerCleanup: RegisterCommand = (program, ctx) => {
  program
    .command('cleanup')
    .summary('drop old traces from a trace file (atomic rewrite)')
    .description(
      'Drop the traces whose last span ended more than --older-than ago. The file is rewritten ' +
        'atomically (a temporary file beside it, then rename); lines an application appends while ' +
        'cleanup runs are carried over verbatim, also from a descriptor opened before the rename ' +
        '(watched for --grace). Lines that are not OTLP are kept as they are.',
    )
    .argument('[file]', 'OTLP-JSON lines file (default: LAZYTRACE_FILE or .lazytrace/traces.jsonl)')
    .requiredOption(
      '--older-than <duration>',
      'age of the traces to drop: 7d, 12h, 30m …',
      durationMs('--older-than'),
    )
    .option('--dry-run', 'count what would be dropped; change nothing')
    .option(
      '--grace <duration>',
      'after the rename, how long to watch the old file for late writes',
      durationMs('--grace'),
      200,
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace cleanup --older-than 7d\n  lazytrace cleanup app.jsonl --older-than 12h --dry-run',
    )
    .action(async (file: string | undefined, options: CleanupOptions) => {
      const out = new Output(ctx.io, options.json);
      const path = existingTraceFile(ctx.io, file);
      const report = await cleanupFile({
        path,
        cutoffMs: Date.now() - options.olderThan,
        dryRun: options.dryRun === true,
        graceMs: options.grace,
      });
      if (options.json) {
        out.printJson(report);
        return;
      }
      const c = out.color;
      const verb = report.dryRun ? 'would remove' : 'removed';
      out.line(
        `${report.dryRun ? c.bold('dry run: ') : ''}${verb} ${report.removedTraces} trace(s) (${report.removedSpans} spans) that ended before ${report.cutoff}; kept ${report.keptTraces} trace(s) (${report.keptSpans} spans)`,
      );
      if (!report.dryRun && report.removedTraces > 0) {
        out.line(c.dim(`${path}: ${report.bytesBefore} → ${report.bytesAfter} bytes`));
      }
      if (report.unreadableLines > 0)
        out.warn(`${report.unreadableLines} line(s) are not OTLP-JSON and were kept as they are`);
      if (report.carriedOverBytes > 0) {
        out.note(c.dim(`${report.carriedOverBytes} bytes appended while cleanup ran were carried over`));
      }
    });
};
