import { errorMessage } from '../logger.js';

// Texts of values that may throw when read (a getter, a Proxy, a symbol): never throw themselves.

export function functionName(f: Function): string {
  try {
    return f.name || 'anonymous';
  } catch {
    return 'anonymous';
  }
}

export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}

export function safeMessage(error: unknown): string {
  const message = errorMessage(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
