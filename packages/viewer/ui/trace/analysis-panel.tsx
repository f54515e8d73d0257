import { formatMs } from '../format';
import type { Analysis } from '../types';
import type { TraceModel } from './tree-model';

interface Props {
  analysis: Analysis | null;
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

/** The server's analysis of this trace: bottlenecks, recommendations and error clusters. */
export function AnalysisPanel({ analysis, model, onSelect }: Props) {
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
                {(r.spanIds ?? r.evidence ?? []).length > 0 && (
                  <div class="evidence">
                    {(r.spanIds ?? r.evidence ?? []).slice(0, 12).map((id) => (
                      <SpanLink key={id} id={id} model={model} onSelect={onSelect} />
                    ))}
                  </div>
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
                <th scope="col">self</th>
                <th scope="col">share</th>
              </tr>
            </thead>
            <tbody>
              {bns.slice(0, 20).map((b, i) => {
                const share = b.criticalShare ?? b.share;
                const self = b.selfTimeMs ?? b.durationMs;
                return (
                  <tr key={i}>
                    <td>
                      {b.spanId ? <SpanLink id={b.spanId} model={model} onSelect={onSelect} /> : b.name}
                    </td>
                    <td>{formatMs(self)}</td>
                    <td>
                      {typeof share === 'number'
                        ? `${(share <= 1 ? share * 100 : share).toFixed(0)}%`
                        : self !== undefined
                          ? `${((self / total) * 100).toFixed(0)}%`
                          : ''}
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
                {e.message && <p>{e.message}</p>}
                <div class="evidence">
                  {(e.spanIds ?? []).slice(0, 12).map((id) => (
                    <SpanLink key={id} id={id} model={model} onSelect={onSelect} />
                  ))}
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
