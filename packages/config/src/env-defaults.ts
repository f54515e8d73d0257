import { configureTracing, logWarning, setTraceDefaults } from '@lazytrace/core';
import { ENV, envBoolean, envEnabled, envInteger } from './env.js';

// The master switch, content capture and its budget from the environment apply as soon as the
// package is loaded, also to an application that never calls initTracing (it may bring its own
// OTel SDK). A bad value is reported once (here or by initTracing) and the default is used.
try {
  const enabled = envEnabled(process.env);
  const captureContent = envBoolean(process.env, ENV.captureContent);
  const maxContentChars = envInteger(process.env, ENV.maxContentChars, 256);
  if (enabled !== undefined || captureContent !== undefined) setTraceDefaults({ enabled, captureContent });
  if (maxContentChars !== undefined) configureTracing({ maxContentChars });
} catch (error) {
  logWarning(`reading the environment failed: ${(error as Error).message}`);
}
