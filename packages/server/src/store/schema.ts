/**
 * The store's tables. `spans` is the public one (`lazytrace sql` reads it; its columns are
 * documented in the README); `traces` is the per-trace summary kept up to date on every ingest so
 * that lists, sessions and stats never group a million spans (`root_seq`: the span whose arrival
 * ended the trace, the one its SSE `trace` event follows); `meta` holds the schema version;
 * `file_positions` how far each followed file was stored (base64 fingerprint), so a restarted
 * service resumes there instead of importing the whole file again.
 *
 * No ART indexes on `spans`: DuckDB keeps them in memory and they slow appends and deletes, while
 * a scan of the `trace_id` column of a million rows takes milliseconds. `traces` has its primary
 * key (one row per trace, replaced on ingest).
 */
export const SCHEMA_VERSION = 1;

export const SPAN_COLUMNS = [
  'seq',
  'trace_id',
  'span_id',
  'parent_span_id',
  'trace_state',
  'name',
  'kind',
  'span_kind',
  'start_unix_nano',
  'end_unix_nano',
  'start_time',
  'start_ms',
  'end_ms',
  'duration_ms',
  'status',
  'status_message',
  'input',
  'output',
  'model',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'session_id',
  'user_id',
  'service_name',
  'scope_name',
  'scope_version',
  'attributes',
  'events',
  'links',
  'resource',
] as const;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE IF NOT EXISTS spans (
  seq BIGINT NOT NULL,
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR NOT NULL,
  parent_span_id VARCHAR,
  trace_state VARCHAR,
  name VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  span_kind TINYINT NOT NULL,
  start_unix_nano BIGINT NOT NULL,
  end_unix_nano BIGINT NOT NULL,
  start_time TIMESTAMPTZ NOT NULL,
  start_ms DOUBLE NOT NULL,
  end_ms DOUBLE NOT NULL,
  duration_ms DOUBLE NOT NULL,
  status VARCHAR NOT NULL,
  status_message VARCHAR,
  input VARCHAR,
  output VARCHAR,
  model VARCHAR,
  input_tokens BIGINT,
  output_tokens BIGINT,
  total_tokens BIGINT,
  session_id VARCHAR,
  user_id VARCHAR,
  service_name VARCHAR,
  scope_name VARCHAR,
  scope_version VARCHAR,
  attributes JSON NOT NULL,
  events JSON NOT NULL,
  links JSON,
  resource JSON NOT NULL
);

CREATE TABLE IF NOT EXISTS traces (
  trace_id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  start_ms DOUBLE NOT NULL,
  end_ms DOUBLE NOT NULL,
  duration_ms DOUBLE NOT NULL,
  span_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL,
  session_id VARCHAR,
  user_id VARCHAR,
  tags VARCHAR[] NOT NULL,
  model VARCHAR,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  total_tokens BIGINT NOT NULL,
  service_name VARCHAR,
  root_span_id VARCHAR,
  root_ended BOOLEAN NOT NULL,
  last_seq BIGINT NOT NULL,
  summary JSON NOT NULL,
  root_seq BIGINT
);
-- Stores made before root_seq existed (their traces keep NULL: see TraceStore.traceSummary).
ALTER TABLE traces ADD COLUMN IF NOT EXISTS root_seq BIGINT;

CREATE TABLE IF NOT EXISTS file_positions (
  path VARCHAR PRIMARY KEY,
  bytes_read BIGINT NOT NULL,
  lines_read BIGINT NOT NULL,
  fingerprint VARCHAR NOT NULL
);
`;
