/**
 * Recommendation rules. Each finds evidence in the assembled trees and estimates the time it
 * would save; occurrences of the same pattern across traces are merged into one recommendation
 * (savings summed, evidence listed). The estimates are documented per rule in the README.
 */
import { formatDuration } from './render.js';
import { inputOf, isStreaming, modelOf, outputOf, timeToFirstChunkMs, tokensOf } from './semantics.js';
import { percentile } from './stats.js';
import type { Tree, TreeNode } from './tree.js';
import type { Recommendation, RecommendationRule } from './types.js';

export interface RecommendationOptions {
  /** A recommendation below this saving (ms, all occurrences) is not made. Default 10. */
  minSavingMs?: number;
  /** Input tokens above which a prompt is oversized. Default 8000. */
  maxPromptTokens?: number;
  /** Time to first token dominates from this share of the call's duration. Default 0.5. */
  ttftShare?: number;
  /** …and from this many ms. Default 200. */
  minTtftMs?: number;
  /** A non-streaming generation this long (ms) should stream. Default 5000. */
  longGenerationMs?: number;
  /** Tool error rate that deserves a look. Default 0.2 (with at least 2 calls). */
  toolErrorRate?: number;
}

const MAX_EVIDENCE = 50;

class Collector {
  private readonly found = new Map<string, Recommendation & { occurrences: number }>();

  add(
    rule: RecommendationRule,
    pattern: string,
    nodes: readonly TreeNode[],
    savingMs: number,
    message: (occurrences: number, savingMs: number) => string,
  ): void {
    const key = `${rule}\u0000${pattern}`;
    let rec = this.found.get(key);
    if (rec === undefined) {
      rec = { rule, message: '', spanIds: [], traceIds: [], estimatedSavingMs: 0, occurrences: 0 };
      this.found.set(key, rec);
    }
    rec.occurrences++;
    rec.estimatedSavingMs += Math.max(0, savingMs);
    for (const node of nodes) {
      if (rec.spanIds.length < MAX_EVIDENCE) rec.spanIds.push(node.span.spanId);
      const traceId = node.span.traceId;
      if (rec.traceIds.length < MAX_EVIDENCE && !rec.traceIds.includes(traceId)) rec.traceIds.push(traceId);
    }
    rec.message = message(rec.occurrences, rec.estimatedSavingMs);
  }

  result(minSavingMs: number): Recommendation[] {
    return [...this.found.values()]
      .filter((r) => r.estimatedSavingMs >= minSavingMs || r.rule === 'tool-error-rate')
      .map(({ occurrences: _o, ...r }) => ({ ...r, estimatedSavingMs: round(r.estimatedSavingMs) }))
      .sort((a, b) => b.estimatedSavingMs - a.estimatedSavingMs || a.rule.localeCompare(b.rule));
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function times(n: number): string {
  return n === 1 ? '' : ` (${n} times)`;
}

function quote(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

function isLlm(node: TreeNode): boolean {
  return node.span.kind === 'llm';
}

export function recommend(trees: readonly Tree[], opts: RecommendationOptions = {}): Recommendation[] {
  const out = new Collector();
  const nodes = trees.flatMap((t) => t.nodes);
  parallelizeSiblings(trees, out);
  retryStorms(trees, out);
  cacheRepeatedInputs(nodes, out);
  timeToFirstToken(nodes, out, opts);
  oversizedPrompts(nodes, out, opts);
  toolErrorRate(nodes, out, opts);
  streamLongGenerations(nodes, out, opts);
  return out.result(opts.minSavingMs ?? 10);
}

/**
 * Siblings that ran one after another although none took an earlier one's output as input
 * (judged from the recorded content: needs content capture) could run with `parallel()`.
 * Saving: the run's summed durations minus its longest.
 */
function parallelizeSiblings(trees: readonly Tree[], out: Collector): void {
  for (const tree of trees) {
    for (const parent of tree.nodes) {
      const kids = parent.children;
      if (kids.length < 2) continue;
      let run: { node: TreeNode; input: string; output: string | null }[] = [];
      const flush = () => {
        if (run.length >= 2) {
          const durations = run.map((r) => r.node.span.durationMs);
          const saving = durations.reduce((a, b) => a + b, 0) - Math.max(...durations);
          const names = run.map((r) => JSON.stringify(r.node.span.name)).join(', ');
          out.add(
            'parallelize-siblings',
            `${parent.span.name}\u0000${run.map((r) => r.node.span.name).join('\u0000')}`,
            run.map((r) => r.node),
            saving,
            (n, total) =>
              `${names} under ${JSON.stringify(parent.span.name)} run one after another, yet none uses another's output: run them with parallel() to save about ${formatDuration(total)}${times(n)}.`,
          );
        }
        run = [];
      };
      for (const kid of kids) {
        const input = inputOf(kid.span);
        const usable = input !== null && input.length > 0 && kid.span.status !== 'error';
        if (!usable) {
          flush();
          continue;
        }
        const prev = run[run.length - 1];
        const sequential = prev === undefined || kid.start >= prev.node.end - 0.5;
        // The same call with the same input again is a repeat (for an LLM the cache rule's business),
        // not a sibling; two calls of one name (two instances of a class: a web and a knowledge-base
        // search) that answered differently are different work, and may run side by side.
        const output = outputOf(kid.span);
        const repeat = (r: { node: TreeNode; input: string; output: string | null }) =>
          r.node.span.name === kid.span.name &&
          r.input === input &&
          (isLlm(kid) || r.output === null || r.output === output);
        const independent = run.every(
          (r) => !repeat(r) && (r.output === null || !dependsOn(input, r.output)),
        );
        const outputsKnown = run.every((r) => r.output !== null);
        if (prev !== undefined && !(sequential && independent && outputsKnown)) {
          flush();
        }
        run.push({ node: kid, input, output });
      }
      flush();
    }
  }
}

/** Whether the input carries the output (as text, or the output's JSON string contents). */
function dependsOn(input: string, output: string): boolean {
  if (output.length === 0) return false;
  if (input.includes(output)) return true;
  // A JSON string output ("text") appears inside the next input without its quotes.
  if (output.length > 2 && output.startsWith('"') && output.endsWith('"')) {
    const inner = output.slice(1, -1);
    return inner.length > 0 && input.includes(inner);
  }
  return false;
}

/**
 * The same call failing again and again: under one parent, at least three attempts with the same
 * name and the same input (other spans, a back-off sleep, may sit between them; without recorded
 * input only adjacent attempts count), at least two of them failed. Saving: from the first failed attempt's start to the last
 * attempt's start (the wasted attempts and their back-off).
 */
function retryStorms(trees: readonly Tree[], out: Collector): void {
  for (const tree of trees) {
    for (const parent of tree.nodes) {
      const kids = parent.children;
      if (kids.length < 3) continue;
      const groups = new Map<string, TreeNode[]>();
      // Without recorded input, only attempts next to each other count as retries.
      let streak = 0;
      let previous: string | undefined;
      for (const kid of kids) {
        if (kid.span.name !== previous) streak++;
        previous = kid.span.name;
        const input = inputOf(kid.span);
        const key = `${kid.span.name}\u0000${input === null ? `#${streak}` : `=${input}`}`;
        let list = groups.get(key);
        if (list === undefined) {
          list = [];
          groups.set(key, list);
        }
        list.push(kid);
      }
      for (const run of groups.values()) {
        const failed = run.filter((n) => n.span.status === 'error').length;
        if (run.length < 3 || failed < 2) continue;
        const firstFailed = run.find((n) => n.span.status === 'error')!;
        const saving = run[run.length - 1]!.start - firstFailed.start;
        const name = run[0]!.span.name;
        out.add('retry-storm', name, run, saving, (n, total) =>
          n === 1
            ? `${JSON.stringify(name)} was attempted ${run.length} times with the same input and failed ${failed} times: fix the cause or fail fast (a circuit breaker, fewer retries) to save about ${formatDuration(total)}.`
            : `${JSON.stringify(name)} is retried in storms (${n} times, ≥ 3 attempts with ≥ 2 failures each): fix the cause or fail fast to save about ${formatDuration(total)}.`,
        );
      }
    }
  }
}

/**
 * LLM calls with identical model and input, repeated (in a trace or across traces): all but the
 * first could come from a cache. Saving: the repeats' durations.
 */
function cacheRepeatedInputs(nodes: readonly TreeNode[], out: Collector): void {
  const groups = new Map<string, TreeNode[]>();
  for (const node of nodes) {
    if (!isLlm(node) || node.span.status === 'error') continue;
    const input = inputOf(node.span);
    if (input === null || input.length === 0) continue;
    const key = `${modelOf(node.span) ?? ''}\u0000${input}`;
    let list = groups.get(key);
    if (list === undefined) {
      list = [];
      groups.set(key, list);
    }
    list.push(node);
  }
  for (const [key, list] of groups) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.span.startMs - b.span.startMs);
    const saving = list.slice(1).reduce((sum, n) => sum + n.span.durationMs, 0);
    const input = key.slice(key.indexOf('\u0000') + 1);
    const model = modelOf(list[0]!.span);
    out.add(
      'cache-repeated-llm-input',
      key,
      list,
      saving,
      () =>
        `${list.length} calls${model === null ? '' : ` to ${model}`} had the same input ${quote(input)}: cache the answer to save about ${formatDuration(saving)}.`,
    );
  }
}

/**
 * Streamed generations that spend most of their time waiting for the first token (prefill,
 * queueing): a shorter prompt, prompt caching or a smaller model help. Saving: half the time to
 * first token (what prompt caching typically gives on long prompts).
 */
function timeToFirstToken(nodes: readonly TreeNode[], out: Collector, opts: RecommendationOptions): void {
  const share = opts.ttftShare ?? 0.5;
  const min = opts.minTtftMs ?? 200;
  for (const node of nodes) {
    if (!isLlm(node)) continue;
    const ttft = timeToFirstChunkMs(node.span);
    if (ttft === null || node.span.durationMs <= 0) continue;
    if (ttft < min || ttft / node.span.durationMs < share) continue;
    const model = modelOf(node.span);
    const name = node.span.name;
    const pct = Math.round((ttft / node.span.durationMs) * 100);
    out.add('time-to-first-token', `${name}\u0000${model ?? ''}`, [node], ttft / 2, (n, total) =>
      n === 1
        ? `${JSON.stringify(name)}${model === null ? '' : ` (${model})`} waited ${formatDuration(ttft)} for its first token, ${pct}% of the call: shorten or cache the prompt prefix, or use a faster model, to save about ${formatDuration(total)}.`
        : `${JSON.stringify(name)}${model === null ? '' : ` (${model})`} spends most of its time before the first token (${n} calls): shorten or cache the prompt prefix, or use a faster model, to save about ${formatDuration(total)}.`,
    );
  }
}

/**
 * Prompts above `maxPromptTokens` input tokens (or 4 characters per token of input text when no
 * usage is recorded). Saving: the time to first token scaled by the excess share
 * (ttft × (1 − limit / tokens)); 0 when no time to first token is known.
 */
function oversizedPrompts(nodes: readonly TreeNode[], out: Collector, opts: RecommendationOptions): void {
  const limit = opts.maxPromptTokens ?? 8000;
  for (const node of nodes) {
    if (!isLlm(node)) continue;
    let tokens = tokensOf(node.span)?.input ?? 0;
    if (tokens === 0) tokens = Math.round((inputOf(node.span)?.length ?? 0) / 4);
    if (tokens <= limit) continue;
    const ttft = timeToFirstChunkMs(node.span);
    const saving = ttft === null ? 0 : ttft * (1 - limit / tokens);
    const name = node.span.name;
    out.add(
      'oversized-prompt',
      name,
      [node],
      saving,
      (n) =>
        `${JSON.stringify(name)} sent a prompt of about ${tokens} tokens${n > 1 ? ` (${n} oversized calls)` : ''}, above ${limit}: trim the context (fewer or shorter documents, summarised history)${saving > 0 ? ' to cut the time to first token' : ''}.`,
    );
  }
  // Oversized prompts cost money even when no latency figure is known: keep them with saving 0.
}

/** Tools failing often (≥ 2 calls, error rate ≥ toolErrorRate). Saving: the failed calls' time. */
function toolErrorRate(nodes: readonly TreeNode[], out: Collector, opts: RecommendationOptions): void {
  const threshold = opts.toolErrorRate ?? 0.2;
  const byName = new Map<string, TreeNode[]>();
  for (const node of nodes) {
    if (node.span.kind !== 'tool') continue;
    let list = byName.get(node.span.name);
    if (list === undefined) {
      list = [];
      byName.set(node.span.name, list);
    }
    list.push(node);
  }
  for (const [name, list] of byName) {
    const failed = list.filter((n) => n.span.status === 'error');
    if (list.length < 2 || failed.length === 0 || failed.length / list.length < threshold) continue;
    const saving = failed.reduce((sum, n) => sum + n.span.durationMs, 0);
    const pct = Math.round((failed.length / list.length) * 100);
    out.add(
      'tool-error-rate',
      name,
      failed,
      saving,
      () =>
        `Tool ${JSON.stringify(name)} failed ${failed.length} of ${list.length} calls (${pct}%): check its inputs and the service behind it; the failed calls cost ${formatDuration(saving)}.`,
    );
  }
}

/**
 * Generations that did not stream and took at least `longGenerationMs`: streaming shows the first
 * token after about the time to first token. Saving (time until the user sees output): the
 * duration minus the median time to first token of streamed calls to the same model, else
 * minus a fifth of the duration.
 */
function streamLongGenerations(
  nodes: readonly TreeNode[],
  out: Collector,
  opts: RecommendationOptions,
): void {
  const min = opts.longGenerationMs ?? 5000;
  const ttfts = new Map<string, number[]>();
  for (const node of nodes) {
    if (!isLlm(node)) continue;
    const t = timeToFirstChunkMs(node.span);
    if (t === null) continue;
    const model = modelOf(node.span) ?? '';
    let list = ttfts.get(model);
    if (list === undefined) {
      list = [];
      ttfts.set(model, list);
    }
    list.push(t);
  }
  for (const node of nodes) {
    if (!isLlm(node) || isStreaming(node.span) || node.span.durationMs < min) continue;
    const model = modelOf(node.span);
    const known = ttfts.get(model ?? '');
    const ttft =
      known !== undefined && known.length > 0
        ? percentile(
            [...known].sort((a, b) => a - b),
            50,
          )
        : node.span.durationMs / 5;
    const saving = Math.max(0, node.span.durationMs - ttft);
    const name = node.span.name;
    out.add(
      'stream-long-generation',
      `${name}\u0000${model ?? ''}`,
      [node],
      saving,
      (n, total) =>
        `${JSON.stringify(name)}${model === null ? '' : ` (${model})`} generated for ${n === 1 ? formatDuration(node.span.durationMs) : `≥ ${formatDuration(min)} in ${n} calls`} without streaming: stream the answer so the user sees it about ${formatDuration(total)} sooner.`,
    );
  }
}
