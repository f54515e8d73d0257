import { errorMessage } from '../logger.js';
import { getTracingSettings, type TracingSettings } from '../settings.js';
import { MASK_FAILED } from './capture.js';
import { serializeValue } from './serialize.js';

/** What a span records of a thrown value: its message and stack, budgeted and masked. */
export interface CapturedError {
  readonly message: string;
  /** The stack with its frames, or undefined when the value has none. */
  readonly stack: string | undefined;
}

/**
 * Prepares a thrown value for a span (status message, `exception.message`, `exception.stacktrace`).
 * An error message is content like any other: it is cut to the string budget before anything else
 * touches it (a 20 MB message costs what its prefix costs), then run through the user's `mask`
 * (with `field: 'error'`), then cut again in case the mask made it longer. The stack's first line
 * repeats the message: it gets the masked message, and its frames get the same budget and mask.
 * Never throws.
 */
export function captureError(error: unknown, name: string): CapturedError {
  const settings = getTracingSettings();
  const budget = settings.maxStringChars;
  const raw = errorMessage(error);
  const message = maskText(cut(raw, budget), name, settings);
  let stack: string | undefined;
  try {
    const value = error instanceof Error ? error.stack : undefined;
    if (typeof value === 'string') stack = captureStack(value, error as Error, raw, message, name, settings);
  } catch {
    stack = undefined;
  }
  return { message, stack };
}

/**
 * The stack's first line repeats the message: it gets the cut and masked message, and only the
 * frames after it are cut and masked (the mask sees each text once).
 */
function captureStack(
  stack: string,
  error: Error,
  raw: string,
  message: string,
  name: string,
  settings: TracingSettings,
): string {
  const head = `${String(error.name)}: `;
  if (raw !== '' && stack.startsWith(head) && stack.startsWith(raw, head.length)) {
    const frames = stack.slice(head.length + raw.length);
    return `${head}${message}${maskText(cut(frames, settings.maxStringChars), name, settings)}`;
  }
  return maskText(cut(stack, settings.maxStringChars), name, settings);
}

function cut(text: string, budget: number): string {
  if (text.length <= budget) return text;
  let kept = budget;
  const code = text.charCodeAt(kept - 1);
  if (code >= 0xd800 && code <= 0xdbff) kept--;
  return `${text.slice(0, kept)}…[truncated ${text.length - kept} chars]`;
}

function maskText(text: string, name: string, settings: TracingSettings): string {
  const mask = settings.mask;
  if (mask === undefined) return text;
  let masked: unknown;
  try {
    masked = mask(text, { name, field: 'error' });
  } catch {
    return MASK_FAILED;
  }
  if (typeof masked === 'string') return cut(masked, settings.maxStringChars);
  // A mask that returns something else than text: its JSON form, within the same budget.
  return serializeValue(masked, {
    maxChars: settings.maxStringChars,
    maxStringChars: settings.maxStringChars,
    redactKeys: settings.redactKeys,
  });
}
