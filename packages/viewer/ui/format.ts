/** Small, pure formatting helpers shared by every page. */

export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms === 0) return '0';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatCount(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  if (n < 10_000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const time = d.toLocaleTimeString(undefined, { hour12: false });
  return sameDay ? time : `${d.toLocaleDateString()} ${time}`;
}

/** Input/output values arrive either as JSON text (what lazytrace records) or already decoded. */
export function decodeValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!t) return value;
  const c = t[0];
  if (c === '{' || c === '[' || c === '"' || t === 'true' || t === 'false' || t === 'null') {
    try {
      return JSON.parse(t);
    } catch {
      return value;
    }
  }
  return value;
}

/** One line of text for list previews: strings as they are, anything else as compact JSON. */
export function preview(value: unknown, max = 160): string {
  const v = decodeValue(value);
  if (v == null) return '';
  let s: string;
  if (typeof v === 'string') s = v;
  else {
    const chat = chatMessages(v);
    if (chat && chat.length > 0) {
      const last = chat[chat.length - 1]!;
      s = `${last.role}: ${contentText(last.content)}`;
    } else {
      try {
        s = JSON.stringify(v) ?? String(v);
      } catch {
        s = String(v);
      }
    }
  }
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export interface ChatMessage {
  role: string;
  content: unknown;
  name?: string;
  tool_calls?: unknown;
  [key: string]: unknown;
}

function isMessage(m: unknown): m is ChatMessage {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { role?: unknown }).role === 'string' &&
    'content' in m
  );
}

/**
 * Chat messages in the shapes LLM apps record: an array of {role, content}, an object holding such an
 * array under `messages`, or an OpenAI completion (`choices[].message`). Anything else → null.
 */
export function chatMessages(value: unknown): ChatMessage[] | null {
  const v = decodeValue(value);
  if (Array.isArray(v)) return v.length > 0 && v.every(isMessage) ? v : null;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (isMessage(o)) return [o];
    if (Array.isArray(o.messages) && o.messages.length > 0 && o.messages.every(isMessage)) return o.messages;
    if (Array.isArray(o.choices)) {
      const msgs = o.choices
        .map((c) => (c && typeof c === 'object' ? (c as { message?: unknown }).message : undefined))
        .filter(isMessage);
      if (msgs.length > 0) return msgs;
    }
  }
  return null;
}

/** Text of a message content: a string, or the text parts of an array of content parts. */
export function contentText(content: unknown): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => {
        if (typeof p === 'string') return p;
        if (p && typeof p === 'object') {
          const o = p as Record<string, unknown>;
          if (typeof o.text === 'string') return o.text;
          if (typeof o.type === 'string') return `[${o.type}]`;
        }
        return '';
      })
      .join('\n');
  }
  try {
    return JSON.stringify(content, null, 2);
  } catch {
    return String(content);
  }
}

export function pretty(value: unknown): string {
  const v = decodeValue(value);
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

export function tokensOf(t: { input?: number; output?: number; total?: number } | null | undefined): number {
  if (!t) return 0;
  return t.total ?? (t.input ?? 0) + (t.output ?? 0);
}

/** Axis tick labels: like formatMs, without a trailing `.0`. */
export function formatTick(ms: number | null | undefined): string {
  if (ms == null) return '';
  return formatMs(ms).replace(/\.0+ /, ' ');
}
