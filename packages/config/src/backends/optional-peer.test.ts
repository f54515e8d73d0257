import { describe, expect, it } from 'vitest';
import { loadOptionalPeer } from './optional-peer.js';

describe('optional peers', () => {
  it('a package that is not installed fails with its name and the install command', () => {
    expect(() => loadOptionalPeer('@lazytrace/not-a-package', 'nothing')).toThrow(
      'backend "nothing" needs the package @lazytrace/not-a-package, which is not installed: run `npm install @lazytrace/not-a-package`',
    );
  });

  it('a package that fails for another reason is not reported as missing', () => {
    // A failure other than the package itself being absent is passed on as it is.
    expect(() => loadOptionalPeer('node:does-not-exist', 'x')).toThrow(/node:does-not-exist/);
    expect(() => loadOptionalPeer('node:does-not-exist', 'x')).not.toThrow(/is not installed/);
  });

  it('a copy the application already loaded is used', () => {
    const key = Symbol.for('@lazytrace/already-loaded');
    const mod = { marker: 1 };
    (globalThis as Record<symbol, unknown>)[key] = mod;
    try {
      expect(loadOptionalPeer('@lazytrace/already-loaded', 'x')).toBe(mod);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[key];
    }
  });
});
