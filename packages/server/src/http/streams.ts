import { buildTrace, type SpanNode, type SpanRecord, type TraceSummary } from '@lazytrace/traces';
import { type Committed, isRootSpan, type StoredSpan, type TraceStore } from '../store/store.js';
import { SseChannel } from './sse.js';

/** A span as the stream sends it: the SpanNode fields at `standard` level, without children, plus its trace id. */
export type FlatSpan = Omit<SpanNode, 'children'> & { traceId: string };

export function flatSpan(span: SpanRecord, node?: SpanNode): FlatSpan {
  const built = node ?? buildTrace([span], 'standard').root;
  const { children: _children, ...rest } = built;
  return { traceId: span.traceId, ...rest };
}

/**
 * Event ids: a span's is its store sequence number (`42`); the `trace` event that follows a root
 * span carries `42-trace`. Resuming from `42` therefore replays that trace event, from `42-trace`
 * it does not.
 */
export function parseEventId(text: string | undefined): { seq: number; afterTrace: boolean } | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+)(-trace)?\s*$/.exec(text);
  if (match === null) return undefined;
  return { seq: Number(match[1]), afterTrace: match[2] !== undefined };
}

/** At most this many missed spans are replayed on resume; beyond, the client gets `reset`. */
const MAX_REPLAY = 50_000;
const PAGE = 2_000;

interface StreamOptions {
  store: TraceStore;
  lastEventId?: string;
  /** Only this trace, and close once its root has ended. */
  traceId?: string;
  /** Closed when the service stops. */
  register: (channel: SseChannel) => void;
}

/**
 * `GET /api/stream` and `GET /api/traces/:id/stream`. Subscribes first and buffers live commits,
 * then replays what the client missed from the store (spans with a higher sequence number), then
 * lets the buffered and further live events through, skipping any the replay already sent.
 */
export function openStream({ store, lastEventId, traceId, register }: StreamOptions): Response {
  const channel = new SseChannel();
  register(channel);
  const resume = parseEventId(lastEventId);
  let replaying = true;
  let sentUpTo = store.lastSeq;
  const buffered: Committed[] = [];

  const deliver = (committed: Committed): void => {
    for (const stored of committed.spans) {
      if (stored.seq <= sentUpTo) continue;
      if (traceId !== undefined && stored.span.traceId !== traceId) continue;
      channel.send('span', JSON.stringify(flatSpan(stored.span)), String(stored.seq));
      const ended = committed.traces.find((t) => t.seq === stored.seq);
      if (ended !== undefined) {
        channel.send('trace', JSON.stringify(ended.summary), `${stored.seq}-trace`);
        if (traceId !== undefined) {
          channel.close();
          return;
        }
      }
    }
    const last = committed.spans.at(-1);
    if (last !== undefined && last.seq > sentUpTo) sentUpTo = last.seq;
  };

  const unsubscribe = store.onCommitted((committed) => {
    if (channel.closed) return;
    if (replaying) buffered.push(committed);
    else deliver(committed);
  });
  channel.onClose(unsubscribe);

  void (async () => {
    try {
      if (traceId !== undefined)
        await replayTrace(store, channel, traceId, resume?.seq ?? 0, resume?.afterTrace ?? false, sentUpTo);
      else if (resume !== undefined) await replayAll(store, channel, resume.seq, resume.afterTrace, sentUpTo);
    } catch {
      channel.close();
    }
    replaying = false;
    for (const committed of buffered.splice(0)) {
      if (channel.closed) break;
      deliver(committed);
    }
  })();
  return channel.response;
}

/**
 * The trace event that follows `stored`, if `stored` is the span that ended its trace (a trace
 * ends once: a later root-like span of the same trace, such as an exported HTTP server span
 * around lazytrace's root, is only a span event).
 */
async function traceEventFor(store: TraceStore, channel: SseChannel, stored: StoredSpan): Promise<boolean> {
  const found = await store.traceSummary(stored.span.traceId);
  if (found === undefined || !endedBy(found, stored)) return false;
  return channel.send('trace', JSON.stringify(found.summary as TraceSummary), `${stored.seq}-trace`);
}

function endedBy(found: { rootEnded: boolean; rootSeq: number | null }, stored: StoredSpan): boolean {
  if (!found.rootEnded) return false;
  // Stored before the store recorded which span ended a trace: every root-like span counts.
  return found.rootSeq === null ? isRootSpan(stored.span) : found.rootSeq === stored.seq;
}

async function replayAll(
  store: TraceStore,
  channel: SseChannel,
  fromSeq: number,
  afterTrace: boolean,
  upTo: number,
): Promise<void> {
  if (fromSeq >= upTo && afterTrace) return;
  // The span the client saw last was a root, but its trace event may not have arrived.
  if (!afterTrace && fromSeq > 0) {
    const [last] = await store.spansAfter(fromSeq - 1, 1);
    if (last !== undefined && last.seq === fromSeq && isRootSpan(last.span))
      await traceEventFor(store, channel, last);
  }
  const missed = upTo - fromSeq;
  let after = fromSeq;
  if (missed > MAX_REPLAY) {
    channel.send('reset', JSON.stringify({ missed, reason: 'too many events missed; reload' }), String(upTo));
    return;
  }
  while (!channel.closed && after < upTo) {
    const page = await store.spansAfter(after, PAGE);
    if (page.length === 0) break;
    for (const stored of page) {
      if (stored.seq > upTo) return;
      channel.send('span', JSON.stringify(flatSpan(stored.span)), String(stored.seq));
      if (isRootSpan(stored.span)) await traceEventFor(store, channel, stored);
      after = stored.seq;
    }
  }
}

/**
 * Replays one trace's spans stored after `fromSeq` (up to `upTo`, where live delivery takes over).
 * A trace that has ended by then gets its trace event after them, and the stream ends; a client
 * resuming after that event gets nothing more and the stream ends.
 */
async function replayTrace(
  store: TraceStore,
  channel: SseChannel,
  traceId: string,
  fromSeq: number,
  afterTrace: boolean,
  upTo: number,
): Promise<void> {
  const before = await store.traceSummary(traceId);
  // A trace stored before root_seq existed: the last root-like span replayed ends it.
  const legacy = before?.rootEnded === true && before.rootSeq === null;
  const endSeq = before?.rootEnded === true && before.rootSeq !== null ? before.rootSeq : undefined;
  if (endSeq !== undefined && endSeq <= upTo && (endSeq < fromSeq || (endSeq === fromSeq && afterTrace))) {
    channel.close();
    return;
  }
  let after = fromSeq;
  let legacyRoot: number | undefined;
  while (!channel.closed) {
    const page = await store.spansAfter(after, PAGE, traceId);
    if (page.length === 0) break;
    for (const stored of page) {
      if (stored.seq > upTo) break;
      channel.send('span', JSON.stringify(flatSpan(stored.span)), String(stored.seq));
      if (legacy && isRootSpan(stored.span)) legacyRoot = stored.seq;
      after = stored.seq;
    }
    if (page.length < PAGE || after >= upTo) break;
  }
  const ending = endSeq !== undefined && endSeq <= upTo ? endSeq : legacyRoot;
  if (ending === undefined) {
    if (legacy && fromSeq > 0) channel.close();
    return;
  }
  const found = await store.traceSummary(traceId);
  if (found !== undefined) channel.send('trace', JSON.stringify(found.summary), `${ending}-trace`);
  channel.close();
}
