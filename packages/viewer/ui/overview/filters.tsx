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

/** A duration bound in milliseconds; empty means no bound. */
function DurationField({
  name,
  label,
  value,
  set,
}: {
  name: 'minDurationMs' | 'maxDurationMs';
  label: string;
  value: number | undefined;
  set(k: keyof TraceFilters, v: number | undefined): void;
}) {
  return (
    <label class="field field-num">
      <span>{label}</span>
      <input
        type="number"
        name={name}
        min="0"
        step="any"
        value={value !== undefined ? String(Math.round(value * 100) / 100) : ''}
        onInput={(e) => {
          const v = (e.target as HTMLInputElement).value;
          set(name, v === '' ? undefined : Number(v));
        }}
      />
    </label>
  );
}

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
      <DurationField name="minDurationMs" label="Min ms" value={draft.minDurationMs} set={set} />
      <DurationField name="maxDurationMs" label="Max ms" value={draft.maxDurationMs} set={set} />
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
