import { useEffect, useRef } from 'preact/hooks';
import { formatMs } from '../format';
import { useVirtualizer } from '../virtual';
import type { TraceModel } from './tree-model';

interface Props {
  model: TraceModel;
  rows: number[];
  selected: number;
  collapsed: Set<string>;
  critical: Set<string>;
  matches: Set<number>;
  onSelect(i: number): void;
  onToggle(i: number, open?: boolean): void;
  onOpen(): void;
}

const ROW = 26;
const INDENT = 14;

/** The duration label: inside a wide bar, else after it, or before it near the right edge. */
function durStyle(left: number, width: number): Record<string, string> {
  if (width > 30) return { right: `${Math.max(0, 100 - left - width) + 0.6}%` };
  if (left + width > 80) return { right: `${100 - left + 0.5}%` };
  return { left: `${left + width + 0.5}%` };
}

function ticks(total: number): number[] {
  const steps = [0, 0.25, 0.5, 0.75, 1];
  return steps.map((s) => s * total);
}

/**
 * The span tree and its timeline bars on one time axis, as a keyboard-driven ARIA tree. Rows are
 * virtualized: only those in view exist in the DOM, so 10,000 spans scroll like 10.
 */
export function Waterfall({
  model,
  rows,
  selected,
  collapsed,
  critical,
  matches,
  onSelect,
  onToggle,
  onOpen,
}: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const total = model.t1 - model.t0;
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
    getItemKey: (i) => model.spans[rows[i]!]?.node.spanId ?? i,
  });
  const pos = rows.indexOf(selected);
  useEffect(() => {
    if (pos >= 0) v.scrollToIndex(pos, { align: 'auto' });
  }, [selected, pos >= 0]);

  const onKey = (e: KeyboardEvent) => {
    const cur = Math.max(0, pos);
    const s = model.spans[selected];
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW * 20) / ROW) - 1);
    const go = (p: number) => onSelect(rows[Math.max(0, Math.min(rows.length - 1, p))]!);
    switch (e.key) {
      case 'ArrowDown':
        go(cur + 1);
        break;
      case 'ArrowUp':
        go(cur - 1);
        break;
      case 'PageDown':
        go(cur + page);
        break;
      case 'PageUp':
        go(cur - page);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(rows.length - 1);
        break;
      case 'ArrowRight':
        if (s && s.end > selected + 1) {
          if (collapsed.has(s.node.spanId)) onToggle(selected, true);
          else onSelect(selected + 1);
        }
        break;
      case 'ArrowLeft':
        if (s && s.end > selected + 1 && !collapsed.has(s.node.spanId)) onToggle(selected, false);
        else if (s && s.parent >= 0) onSelect(s.parent);
        break;
      case ' ':
        onToggle(selected);
        break;
      case 'Enter':
        onOpen();
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div class="waterfall">
      <div class="wf-head" aria-hidden="true">
        <div class="wf-tree-col">Span</div>
        <div class="wf-self-col">self</div>
        <div class="wf-axis">
          {ticks(total).map((t, i) => (
            <span key={i} class="wf-tick" style={{ left: `${(i / 4) * 100}%` }}>
              {formatMs(t)}
            </span>
          ))}
        </div>
      </div>
      <div
        ref={scroller}
        class="wf-rows"
        role="tree"
        tabIndex={0}
        aria-label="Spans"
        aria-activedescendant={model.spans[selected] ? `sp-${model.spans[selected]!.node.spanId}` : undefined}
        onKeyDown={onKey}
        data-testid="span-tree"
      >
        <div style={{ height: `${v.getTotalSize()}px`, position: 'relative' }}>
          {v.getVirtualItems().map((it) => {
            const i = rows[it.index]!;
            const s = model.spans[i]!;
            const n = s.node;
            const hasKids = s.end > i + 1;
            const isCollapsed = collapsed.has(n.spanId);
            const left = ((s.startMs - model.t0) / total) * 100;
            const width = Math.max(((s.endMs - s.startMs) / total) * 100, 0.15);
            const crit = critical.has(n.spanId);
            const cls = [
              'wf-row',
              n.status === 'error' ? 'error' : '',
              crit ? 'critical' : '',
              i === selected ? 'selected' : '',
              matches.has(i) ? 'match' : '',
            ]
              .filter(Boolean)
              .join(' ');
            return (
              // Keys are handled by the tree (aria-activedescendant), not per row.
              // biome-ignore lint/a11y/useKeyWithClickEvents: the tree container handles the keyboard
              <div
                key={n.spanId}
                tabIndex={-1}
                id={`sp-${n.spanId}`}
                role="treeitem"
                aria-level={s.depth + 1}
                aria-expanded={hasKids ? !isCollapsed : undefined}
                aria-selected={i === selected}
                class={cls}
                style={{ transform: `translateY(${it.start}px)`, height: `${ROW}px` }}
                onClick={() => onSelect(i)}
                onDblClick={() => hasKids && onToggle(i)}
                data-span-id={n.spanId}
                data-span-name={n.name}
                data-depth={s.depth}
              >
                <div class="wf-tree-col" style={{ paddingLeft: `${4 + s.depth * INDENT}px` }}>
                  {hasKids ? (
                    <button
                      type="button"
                      tabIndex={-1}
                      class="twisty"
                      aria-label={isCollapsed ? 'Expand' : 'Collapse'}
                      onClick={(e) => {
                        e.stopPropagation();
                        onToggle(i);
                      }}
                    >
                      {isCollapsed ? '▸' : '▾'}
                    </button>
                  ) : (
                    <span class="twisty-space" />
                  )}
                  <span class={`status-dot ${n.status}`} aria-hidden="true" />
                  <span class="wf-name">{n.name}</span>
                  <span class={`kind kind-${n.kind}`}>{n.kind}</span>
                  {isCollapsed && <span class="wf-hidden">+{s.end - i - 1}</span>}
                </div>
                <div class="wf-self-col">{formatMs(s.selfMs)}</div>
                <div class="wf-bar-col">
                  <div
                    class={`wf-bar kind-bar-${n.kind}`}
                    style={{ left: `${left}%`, width: `${width}%` }}
                    title={`${n.name}: ${formatMs(s.endMs - s.startMs)}`}
                  />
                  <span class={`wf-dur${width > 30 ? ' inside' : ''}`} style={durStyle(left, width)}>
                    {formatMs(s.endMs - s.startMs)}
                  </span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
