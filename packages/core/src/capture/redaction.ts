/** A key is redacted when its normalized form ends with a listed (normalized) key, or a RegExp matches it. */
export type KeyMatcher = (key: string) => boolean;

const cache = new WeakMap<readonly (string | RegExp)[], KeyMatcher>();

/** Lower case without `-`, `_`, spaces and dots: `X-Api-Key`, `api_key` and `apiKey` all become `apikey`. */
function normalize(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/**
 * Builds (once per list) the test for redacted keys. Suffix matching catches `openai_api_key`,
 * `dbPassword`, `client_secret`, `csrfToken`; plural counters such as `totalTokens` stay visible.
 */
export function keyMatcher(keys: readonly (string | RegExp)[]): KeyMatcher {
  let matcher = cache.get(keys);
  if (matcher !== undefined) return matcher;
  const suffixes = keys
    .filter((k): k is string => typeof k === 'string')
    .map(normalize)
    .filter((k) => k !== '');
  // Own copies, tested from the start each time: a g or y RegExp's test() starts where its last
  // match ended, so the key after a redacted one would slip through; the configured ones are
  // left untouched.
  const patterns = keys.filter((k): k is RegExp => k instanceof RegExp).map((p) => new RegExp(p));
  const memo = new Map<string, boolean>();
  matcher = (key: string) => {
    let hit = memo.get(key);
    if (hit !== undefined) return hit;
    const n = normalize(key);
    hit = suffixes.some((s) => n.endsWith(s)) || patterns.some((p) => testFromStart(p, key));
    if (memo.size < 10_000) memo.set(key, hit);
    return hit;
  };
  cache.set(keys, matcher);
  return matcher;
}

function testFromStart(pattern: RegExp, key: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(key);
}
