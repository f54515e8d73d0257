import { expect, it } from 'vitest';
import { resolveLangfuseSettings, urlWithoutCredentials } from './settings.js';

const keys = { publicKey: 'pk-lf-1', secretKey: 'sk-lf-1', env: {} };

it('an export timeout longer than a Node timer keeps is the longest one it keeps, not 1 ms', () => {
  expect(resolveLangfuseSettings({ ...keys, timeoutMillis: 3_000_000_000 }).timeoutMillis).toBe(2 ** 31 - 1);
  expect(resolveLangfuseSettings({ ...keys, timeoutMillis: 400 }).timeoutMillis).toBe(400);
  expect(() => resolveLangfuseSettings({ ...keys, timeoutMillis: 0 })).toThrow(/positive integer/);
});

it('a base URL shows no credentials in an error, parseable or not', () => {
  expect(() => resolveLangfuseSettings({ ...keys, baseUrl: 'ftp://proxy:pa55@host' })).toThrow(
    'base URL "ftp://***@host" (option "baseUrl") must be http:// or https://',
  );
  expect(() => resolveLangfuseSettings({ ...keys, baseUrl: 'http://proxy:p@55@[bad' })).toThrow(
    'base URL "http://***@[bad" (option "baseUrl") is not a valid URL',
  );
  expect(urlWithoutCredentials('https://cloud.langfuse.com/x?y=a@b')).toBe(
    'https://cloud.langfuse.com/x?y=a@b',
  );
});
