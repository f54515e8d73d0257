/**
 * An observation as Langfuse's public API returns it, normalised over the two read paths:
 * `GET /api/public/v2/observations` (ObservationV2, field groups) and the older
 * `GET /api/public/traces/{id}` (TraceWithFullDetails: trace-level session/user/tags, and
 * ObservationsView entries). Every field but the ids may be missing.
 */
export interface LangfuseObservation {
  id: string;
  traceId: string;
  parentObservationId: string | null;
  /** GENERATION, SPAN, EVENT, AGENT, TOOL, CHAIN, RETRIEVER, EMBEDDING, EVALUATOR, GUARDRAIL … */
  type: string;
  name: string | null;
  startTime: string;
  endTime: string | null;
  completionStartTime: string | null;
  level: string | null;
  statusMessage: string | null;
  /** Raw strings from v2; parsed JSON from the trace endpoint (see `ioParsed`). */
  input: unknown;
  output: unknown;
  /** Input/output were parsed from their JSON text by the server (the trace endpoint does). */
  ioParsed: boolean;
  metadata: unknown;
  model: string | null;
  modelParameters: unknown;
  usageDetails: Record<string, number> | null;
  sessionId: string | null;
  userId: string | null;
  tags: string[] | null;
  traceName: string | null;
  environment: string | null;
  release: string | null;
  version: string | null;
  isRootObservation: boolean | null;
  updatedAt: string | null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function numbers(value: unknown): Record<string, number> | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (Number.isFinite(n)) out[key] = n;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** From any of the API's observation objects; undefined when it has no id or trace id. */
export function normalizeObservation(
  raw: unknown,
  trace?: {
    id?: unknown;
    sessionId?: unknown;
    userId?: unknown;
    tags?: unknown;
    name?: unknown;
    release?: unknown;
  },
  ioParsed = false,
): LangfuseObservation | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const o = raw as Record<string, unknown>;
  const id = str(o.id);
  const traceId = str(o.traceId) ?? str(trace?.id);
  const startTime = str(o.startTime);
  if (id === null || traceId === null || startTime === null) return undefined;
  const tags = Array.isArray(o.tags) ? o.tags : Array.isArray(trace?.tags) ? trace.tags : null;
  return {
    id,
    traceId,
    parentObservationId: str(o.parentObservationId),
    type: (str(o.type) ?? 'SPAN').toUpperCase(),
    name: str(o.name),
    startTime,
    endTime: str(o.endTime),
    completionStartTime: str(o.completionStartTime),
    level: str(o.level),
    statusMessage: str(o.statusMessage),
    input: o.input ?? null,
    output: o.output ?? null,
    ioParsed,
    metadata: o.metadata ?? null,
    model: str(o.model),
    modelParameters: o.modelParameters ?? null,
    usageDetails: numbers(o.usageDetails) ?? legacyUsage(o.usage),
    sessionId: str(o.sessionId) ?? str(trace?.sessionId),
    userId: str(o.userId) ?? str(trace?.userId),
    tags: tags === null ? null : tags.filter((t): t is string => typeof t === 'string'),
    traceName: str(o.traceName) ?? str(trace?.name),
    environment: str(o.environment),
    release: str(o.release) ?? str(trace?.release),
    version: str(o.version),
    isRootObservation: typeof o.isRootObservation === 'boolean' ? o.isRootObservation : null,
    updatedAt: str(o.updatedAt),
  };
}

/** The deprecated `usage: { input, output, total }` of older servers. */
function legacyUsage(value: unknown): Record<string, number> | null {
  const usage = numbers(value);
  if (usage === null) return null;
  const { input, output, total } = usage;
  const out: Record<string, number> = {};
  if (input !== undefined && input > 0) out.input = input;
  if (output !== undefined && output > 0) out.output = output;
  if (total !== undefined && total > 0) out.total = total;
  return Object.keys(out).length > 0 ? out : null;
}
