import { formatMs } from '../format';
import type { Analysis } from '../types';
import type { TraceModel } from './tree-model';

interface Props {
  analysis: Analysis | null;
  loading?: boolean;
  model: TraceModel;
  onSelect(spanId: string): void;
}

function SpanLink({ id, model, onSelect }: { id: string; model: TraceModel; onSelect(id: string): void }) {
  const i = model.byId.get(id);
  const name = i !== undefined ? model.spans[i]!.node.name : id.slice(0, 8);
  return (
    <button type="button" class="link" onClick={() => onSelect(id)}>
      {name}
    </button>
  );
}

/** Links to the first 12 of `ids` that this trace holds (the others are not in the loaded model). */
function Evidence({
  ids,
  model,
  onSelect,
}: {
  ids: string[];
  model: TraceModel;
  onSelect(id: string): void;
}) {
  return (
    <div class="evidence">
      {ids
        .filter((id) => model.byId.has(id))
        .slice(0, 12)
        .map((id) => (
          <SpanLink key={id} id={id} model={model} onSelect={onSelect} />
        ))}
    </div>
  );
}

/** The server's analysis of this trace: bottlenecks, recommendations and error clusters. */
export function AnalysisPanel({ analysis, loading, model, onSelect }: Props) {
  if (loading) return <p class="note">Analysing…</p>;
  if (!analysis) return <p class="note">No analysis available for this trace.</p>;
  const recs = analysis.recommendations ?? [];
  const bns = analysis.bottlenecks ?? [];
  const errs = analysis.errors ?? [];
  const total = model.t1 - model.t0;
  return (
    <div class="analysis" data-testid="analysis">
      <section class="detail-section" aria-label="Recommendations">
        <header class="section-head">
          <h3>Recommendations</h3>
        </header>
        {recs.length === 0 ? (
          <p class="note">None: nothing in this trace matches a rule.</p>
        ) : (
          <ul class="recs">
            {recs.map((r, i) => (
              <li key={i}>
                <div>
                  <code class="rule">{r.rule}</code>
                  {typeof r.estimatedSavingMs === 'number' && r.estimatedSavingMs > 0 && (
                    <span class="saving">saves ~{formatMs(r.estimatedSavingMs)}</span>
                  )}
                </div>
                <p>{r.message}</p>
                {(r.spanIds ?? []).some((id) => model.byId.has(id)) && (
                  <Evidence ids={r.spanIds ?? []} model={model} onSelect={onSelect} />
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="detail-section" aria-label="Bottlenecks">
        <header class="section-head">
          <h3>Bottlenecks</h3>
        </header>
        {bns.length === 0 ? (
          <p class="note">None reported.</p>
        ) : (
          <table class="bottlenecks">
            <thead>
              <tr>
                <th scope="col">span</th>
                <th scope="col">on critical path</th>
                <th scope="col">self</th>
              </tr>
            </thead>
            <tbody>
              {bns.slice(0, 20).map((b, i) => {
                const first = (b.spanIds ?? []).find((id) => model.byId.has(id));
                const pct = (share: number | undefined, ms: number | undefined) =>
                  typeof share === 'number'
                    ? ` (${(share * 100).toFixed(0)}%)`
                    : ms !== undefined
                      ? ` (${((ms / total) * 100).toFixed(0)}%)`
                      : '';
                return (
                  <tr key={i}>
                    <td>
                      {first ? <SpanLink id={first} model={model} onSelect={onSelect} /> : b.name}
                      {(b.count ?? 1) > 1 && <span class="tr-meta"> ×{b.count}</span>}
                    </td>
                    <td>
                      {formatMs(b.criticalPathMs)}
                      {pct(b.criticalPathShare, b.criticalPathMs)}
                    </td>
                    <td>
                      {formatMs(b.selfTimeMs)}
                      {pct(b.selfTimeShare, b.selfTimeMs)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      {errs.length > 0 && (
        <section class="detail-section" aria-label="Errors">
          <header class="section-head">
            <h3>Errors</h3>
          </header>
          <ul class="recs">
            {errs.map((e, i) => (
              <li key={i}>
                <strong>{e.name}</strong> {e.errorType && <code>{e.errorType}</code>} × {e.count}
                {(e.example ?? e.message) && <p>{e.example ?? e.message}</p>}
                <Evidence ids={e.spanIds ?? []} model={model} onSelect={onSelect} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
