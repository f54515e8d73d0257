#!/usr/bin/env node
// The `lazytrace` bin. A committed file (not a build output) so that package managers link the
// command at install time, before `pnpm build` has produced dist/.
import('../dist/bin.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/bin.js')) {
    process.stderr.write(
      'lazytrace: @lazytrace/cli is not built yet: run `pnpm build` (or `pnpm --filter @lazytrace/cli build`)\n',
    );
    process.exitCode = 1;
    return;
  }
  throw error;
});
