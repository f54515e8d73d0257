import { formatMs, pretty } from '../format';
import { CopyButton, JsonText, ValueView } from './json-view';
import type { FlatSpan, TraceModel } from './tree-model';

function eventTime(e: { timeMs?: number; time?: string; timestamp?: string }): number | undefined {
  if (typeof e.timeMs === 'number') return e.timeMs;
  const t = Date.parse(e.time ?? e.timestamp ?? '');
  return Number.isFinite(t) ? t : undefined;
}

/** Everything about the selected span: IO, attributes, events, the exception. */
export function SpanDetail({
  span,
  model,
  critical,
}: {
  span: FlatSpan;
  model: TraceModel;
  critical: boolean;
}) {
  const n = span.node;
  const attrs = Object.entries(n.attributes ?? {}).filter(
    ([k]) => k !== 'lazytrace.input' && k !== 'lazytrace.output',
  );
  const exceptions = (n.events ?? []).filter((e) => e.name === 'exception');
  const others = (n.events ?? []).filter((e) => e.name !== 'exception');
  const input = n.input ?? n.attributes?.['lazytrace.input'];
  const output = n.output ?? n.attributes?.['lazytrace.output'];
  return (
    <div class="span-detail" data-testid="span-detail">
      <header class="detail-head">
        <h2>
          <span class={`status-dot ${n.status}`} role="img" aria-label={n.status} /> {n.name}
        </h2>
        <div class="detail-meta">
          <span class={`kind kind-${n.kind}`}>{n.kind}</span>
          <span>
            duration <strong>{formatMs(n.durationMs ?? span.endMs - span.startMs)}</strong>
          </span>
          <span>
            self <strong>{formatMs(span.selfMs)}</strong>
          </span>
          <span>starts at +{formatMs(span.startMs - model.t0)}</span>
          {critical && <span class="badge-critical">critical path</span>}
          {span.orphan && <span class="badge-orphan">orphan (parent not received)</span>}
        </div>
        <div class="detail-ids">
          span <code>{n.spanId}</code> <CopyButton text={n.spanId} label="Copy id" />
        </div>
      </header>
      {n.status === 'error' && (
        <div class="error-box" role="alert" data-testid="span-error">
          <strong>Error</strong>
          {n.statusMessage ? `: ${n.statusMessage}` : ''}
        </div>
      )}
      {exceptions.map((e, i) => {
        const a = e.attributes ?? {};
        const stack = a['exception.stacktrace'];
        return (
          <section key={i} class="detail-section exception" aria-label="Exception">
            <header class="section-head">
              <h3>Exception</h3>
              {typeof stack === 'string' && <CopyButton text={stack} label="Copy stack" />}
            </header>
            <p class="exc-title">
              <strong>{String(a['exception.type'] ?? 'Error')}</strong>
              {a['exception.message'] ? `: ${String(a['exception.message'])}` : ''}
            </p>
            {typeof stack === 'string' && <pre class="stack">{stack}</pre>}
          </section>
        );
      })}
      <ValueView label="Input" value={input} />
      <ValueView label="Output" value={output} />
      {attrs.length > 0 && (
        <section class="detail-section" aria-label="Attributes">
          <header class="section-head">
            <h3>Attributes</h3>
            <CopyButton text={pretty(Object.fromEntries(attrs))} label="Copy attributes" />
          </header>
          <table class="attrs">
            <tbody>
              {attrs.map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>{typeof v === 'string' ? v : <JsonText text={pretty(v)} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {others.length > 0 && (
        <section class="detail-section" aria-label="Events">
          <header class="section-head">
            <h3>Events</h3>
          </header>
          <ol class="events">
            {others.map((e, i) => {
              const t = eventTime(e);
              return (
                <li key={i}>
                  <span class="ev-time">{t !== undefined ? `+${formatMs(t - model.t0)}` : ''}</span>{' '}
                  <strong>{e.name}</strong>
                  {e.attributes && Object.keys(e.attributes).length > 0 && (
                    <JsonText text={pretty(e.attributes)} />
                  )}
                </li>
              );
            })}
          </ol>
        </section>
      )}
      {n.resource && Object.keys(n.resource).length > 0 && (
        <details class="detail-section">
          <summary>Resource</summary>
          <JsonText text={pretty(n.resource)} />
        </details>
      )}
      {input == null && output == null && attrs.length === 0 && (
        <p class="note">No content recorded for this span (capture off, or a lower detail level).</p>
      )}
    </div>
  );
}
