import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  analyzeTrace,
  analyzeTraces,
  buildTrace,
  computeStats,
  groupByTrace,
  type SpanRecord,
  summarizeTrace,
} from '@lazytrace/traces';
import { CliError } from '../errors.js';
import { Output } from '../io.js';
import { parseTraceId, readAllSpans, readTrace } from '../reading.js';
import { positiveInt } from '../util/options.js';
import { existingTraceFile } from '../util/trace-file.js';
import type { RegisterCommand } from './context.js';

interface ExportOptions {
  output: string;
  trace?: string[];
  last: number;
  title?: string;
  json?: boolean;
}

export const registerExportHtml: RegisterCommand = (program, ctx) => {
  program
    .command('export-html')
    .summary('write an offline HTML report (one self-contained file)')
    .description(
      'Write one self-contained HTML file with the viewer and the traces embedded (latency ' +
        'distribution, requests with their input and output, trace trees, analysis). It opens from ' +
        'file:// with no server and no network.',
    )
    .argument('[file]', 'OTLP-JSON lines file (default: LAZYTRACE_FILE or .lazytrace/traces.jsonl)')
    .requiredOption('-o, --output <file>', 'the HTML file to write (replaced)')
    .option('-t, --trace <id...>', 'only these traces (32 hex digits or unique prefixes)')
    .option('-n, --last <n>', 'the latest N traces', positiveInt('--last'), 1000)
    .option('--title <text>', 'shown in the page header and title')
    .option('--json', 'print a report { file, traces, bytes } as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace export-html -o report.html\n  lazytrace export-html app.jsonl -o one.html --trace 4bf92f35',
    )
    .action(async (file: string | undefined, options: ExportOptions) => {
      const out = new Output(ctx.io, options.json);
      const path = existingTraceFile(ctx.io, file);
      let groups: SpanRecord[][];
      if (options.trace !== undefined && options.trace.length > 0) {
        groups = [];
        for (const id of options.trace) groups.push(await readTrace(out, path, parseTraceId(id)));
      } else {
        const spans = await readAllSpans(out, path);
        groups = [...groupByTrace(spans).values()]
          .map((g) => ({ g, start: Math.min(...g.map((s) => s.startMs)) }))
          .sort((a, b) => a.start - b.start)
          .slice(-options.last)
          .map(({ g }) => g);
      }
      if (groups.length === 0) throw new CliError(`no traces in ${path}: nothing to export`);
      // debug: span events carry exceptions and their stacks, which the report's span detail shows.
      // Each trace carries its own analysis: the page of one trace shows that trace's bottlenecks and
      // recommendations, not the whole file's filtered by evidence (capped, and naming other traces).
      const built = groups.map((g) => ({ ...buildTrace(g, 'debug'), analysis: analyzeTrace(g) }));
      const summaries = groups.map((g) => summarizeTrace(g));
      let html: string;
      try {
        // Loaded on use; it reads the viewer's built assets.
        const { renderOfflineReport } = await import('@lazytrace/viewer');
        html = renderOfflineReport({
          traces: built,
          analysis: analyzeTraces(groups),
          stats: computeStats(summaries),
          title: options.title ?? path,
        });
      } catch (error) {
        throw new CliError(`cannot build the report: ${(error as Error).message}`);
      }
      const target = resolve(ctx.io.cwd, options.output);
      mkdirSync(dirname(target), { recursive: true });
      const temp = `${target}.${process.pid}.tmp`;
      await writeFile(temp, html);
      await rename(temp, target);
      if (options.json) out.printJson({ file: target, traces: built.length, bytes: Buffer.byteLength(html) });
      else
        out.line(
          `wrote ${target}: ${built.length} trace(s), ${(Buffer.byteLength(html) / 1024).toFixed(0)} KB`,
        );
    });
};
