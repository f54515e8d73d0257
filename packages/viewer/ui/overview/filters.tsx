import { useEffect, useState } from 'preact/hooks';
import type { TraceFilters } from '../types';

interface Props {
  filters: TraceFilters;
  onChange(next: TraceFilters): void;
}

const TEXT_FIELDS: [keyof TraceFilters, string, string][] = [
  ['q', 'Search', 'text in name, input, output'],
  ['name', 'Name', 'trace name'],
  ['session', 'Session', 'session id'],
  ['user', 'User', 'user id'],
  ['tag', 'Tag', 'tag'],
];

/** The list filters; each maps to a /api/traces query parameter. Text is applied after a pause. */
export function FilterBar({ filters, onChange }: Props) {
  const [draft, setDraft] = useState<TraceFilters>(filters);
  useEffect(() => setDraft(filters), [filters]);
  useEffect(() => {
    if (JSON.stringify(draft) === JSON.stringify(filters)) return;
    const t = setTimeout(() => onChange(draft), 300);
    return () => clearTimeout(t);
  }, [draft]);
  const set = (k: keyof TraceFilters, v: string | number | undefined) => {
    const next = { ...draft, [k]: v === '' ? undefined : v };
    setDraft(next);
  };
  const any = Object.values(filters).some((v) => v !== undefined && v !== '');
  return (
    <form
      class="filters"
      aria-label="Filter traces"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(draft);
      }}
    >
      {TEXT_FIELDS.map(([k, label, ph]) => (
        <label key={k} class={`field field-${k}`}>
          <span>{label}</span>
          <input
            type="search"
            name={k}
            placeholder={ph}
            value={(draft[k] as string | undefined) ?? ''}
            onInput={(e) => set(k, (e.target as HTMLInputElement).value)}
          />
        </label>
      ))}
      <label class="field field-status">
        <span>Status</span>
        <select
          name="status"
          value={draft.status ?? ''}
          onChange={(e) => {
            const next = {
              ...draft,
              status: ((e.target as HTMLSelectElement).value || undefined) as TraceFilters['status'],
            };
            setDraft(next);
            onChange(next);
          }}
        >
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
        </select>
      </label>
      <label class="field field-num">
        <span>Min ms</span>
        <input
          type="number"
          name="minDurationMs"
          min="0"
          step="any"
          value={draft.minDurationMs !== undefined ? String(Math.round(draft.minDurationMs * 100) / 100) : ''}
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value;
            set('minDurationMs', v === '' ? undefined : Number(v));
          }}
        />
      </label>
      <label class="field field-num">
        <span>Max ms</span>
        <input
          type="number"
          name="maxDurationMs"
          min="0"
          step="any"
          value={draft.maxDurationMs !== undefined ? String(Math.round(draft.maxDurationMs * 100) / 100) : ''}
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value;
            set('maxDurationMs', v === '' ? undefined : Number(v));
          }}
        />
      </label>
      {(filters.since || filters.until) && (
        <span class="chip" data-testid="time-window">
          {filters.since ? new Date(filters.since).toLocaleTimeString(undefined, { hour12: false }) : '…'} –{' '}
          {filters.until ? new Date(filters.until).toLocaleTimeString(undefined, { hour12: false }) : '…'}
          <button
            type="button"
            class="chip-x"
            aria-label="Clear time window"
            onClick={() => onChange({ ...filters, since: undefined, until: undefined })}
          >
            ×
          </button>
        </span>
      )}
      <button type="button" class="btn" disabled={!any} onClick={() => onChange({})}>
        Clear filters
      </button>
    </form>
  );
}
