import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { type ChatMessage, chatMessages, contentText, decodeValue, pretty } from '../format';

/** Copy text, also where the async clipboard API is missing (file:// in some browsers). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<'' | 'ok' | 'fail'>('');
  return (
    <button
      type="button"
      class="btn btn-small copy"
      aria-label={`${label} to clipboard`}
      onClick={async () => {
        setDone((await copyText(text)) ? 'ok' : 'fail');
        setTimeout(() => setDone(''), 1500);
      }}
    >
      {done === 'ok' ? 'Copied' : done === 'fail' ? 'Copy failed' : label}
    </button>
  );
}

const HIGHLIGHT_LIMIT = 200_000;
const TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

/** Pretty JSON with light syntax colouring (plain text past a size where colouring would cost). */
export function JsonText({ text }: { text: string }) {
  if (text.length > HIGHLIGHT_LIMIT) return <pre class="json">{text}</pre>;
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const i = m.index ?? 0;
    if (i > last) out.push(text.slice(last, i));
    if (m[1] !== undefined) {
      out.push(<span class={m[2] ? 'j-key' : 'j-str'}>{m[1]}</span>);
      if (m[2]) out.push(m[2]);
    } else if (m[3] !== undefined) out.push(<span class="j-lit">{m[3]}</span>);
    else out.push(<span class="j-num">{m[4]}</span>);
    last = i + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return <pre class="json">{out}</pre>;
}

function Message({ m }: { m: ChatMessage }) {
  const extra = m.tool_calls ?? m.function_call;
  return (
    <div class={`msg msg-${m.role}`}>
      <div class="msg-role">
        {m.role}
        {m.name ? ` · ${m.name}` : ''}
      </div>
      {m.content != null && m.content !== '' && <div class="msg-content">{contentText(m.content)}</div>}
      {extra != null && <JsonText text={pretty(extra)} />}
    </div>
  );
}

/** An input or output: a conversation when it is chat messages, else pretty JSON or text. */
export function ValueView({ label, value }: { label: string; value: unknown }) {
  const [raw, setRaw] = useState(false);
  if (value === undefined || value === null || value === '') return null;
  const chat = chatMessages(value);
  const text = pretty(value);
  const decoded = decodeValue(value);
  return (
    <section class="detail-section" aria-label={label} data-testid={`value-${label.toLowerCase()}`}>
      <header class="section-head">
        <h3>{label}</h3>
        {chat && (
          <button type="button" class="btn btn-small" aria-pressed={raw} onClick={() => setRaw(!raw)}>
            {raw ? 'Conversation' : 'JSON'}
          </button>
        )}
        <CopyButton text={text} label={`Copy ${label.toLowerCase()}`} />
      </header>
      {chat && !raw ? (
        <div class="conversation">
          {chat.map((m, i) => (
            <Message key={i} m={m} />
          ))}
        </div>
      ) : typeof decoded === 'string' ? (
        <pre class="text">{decoded}</pre>
      ) : (
        <JsonText text={text} />
      )}
    </section>
  );
}
