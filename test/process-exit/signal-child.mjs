// Top-level setTrace in an ES module, work in timers and after awaits, then a SIGTERM:
// handleSignals flushes and the process ends as SIGTERM would have ended it.
import { initTracing, setTrace } from '@lazytrace/config';
import { fn } from '@lazytrace/core';

initTracing({ serviceName: 'signal-child', handleSignals: true });
setTrace({ sessionId: 'top-level-session', tags: ['esm'] });

const step = fn(async (x) => x + 1, { name: 'step' });
await step.invoke(1);
setTimeout(() => void step.invoke(2), 1);
await new Promise((r) => setTimeout(r, 20));
await step.invoke(3);
console.log('ready');
// Keep running like a server until a signal arrives.
setInterval(() => {}, 1000);
