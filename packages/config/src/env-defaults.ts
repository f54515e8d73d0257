import { logWarning, setTraceDefaults } from '@lazytrace/core';
import { ENV, envBoolean } from './env.js';

// The master switch and content capture from the environment apply as soon as the package is
// loaded, also to an application that never calls initTracing (it may bring its own OTel SDK).
// A bad value is reported here and thrown by initTracing.
try {
  const enabled = envBoolean(process.env, ENV.enabled);
  const captureContent = envBoolean(process.env, ENV.captureContent);
  if (enabled !== undefined || captureContent !== undefined) setTraceDefaults({ enabled, captureContent });
} catch (error) {
  logWarning(
    `${(error as Error).message}; tracing keeps its defaults until initTracing reports this as an error.`,
  );
}
