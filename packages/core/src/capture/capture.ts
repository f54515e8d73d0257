import { getTracingSettings } from '../settings.js';
import { serializeValue } from './serialize.js';

export const MASK_FAILED = '[mask failed]';

/**
 * Serializes an input or output for a span: the user's `mask` first (a failing mask yields a
 * fixed placeholder, never the raw value), then the budgeted, redacting serializer.
 */
export function captureContent(value: unknown, name: string, field: 'input' | 'output'): string {
  const settings = getTracingSettings();
  let captured = value;
  if (settings.mask !== undefined) {
    try {
      captured = settings.mask(value, { name, field });
    } catch {
      return JSON.stringify(MASK_FAILED);
    }
  }
  return serializeValue(captured, {
    maxChars: settings.maxContentChars,
    maxStringChars: settings.maxStringChars,
    redactKeys: settings.redactKeys,
  });
}
