import { expect, it } from 'vitest';
import { resolveLangfuseSettings } from './settings.js';

const keys = { publicKey: 'pk-lf-1', secretKey: 'sk-lf-1', env: {} };

it('an export timeout longer than a Node timer keeps is the longest one it keeps, not 1 ms', () => {
  expect(resolveLangfuseSettings({ ...keys, timeoutMillis: 3_000_000_000 }).timeoutMillis).toBe(2 ** 31 - 1);
  expect(resolveLangfuseSettings({ ...keys, timeoutMillis: 400 }).timeoutMillis).toBe(400);
  expect(() => resolveLangfuseSettings({ ...keys, timeoutMillis: 0 })).toThrow(/positive integer/);
});
