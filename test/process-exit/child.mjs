// Runs a pipeline and ends without calling shutdownTracing: the natural exit must flush.
import { initTracing, setTrace } from '@lazytrace/config';
import { fn, parallel, pipeline } from '@lazytrace/core';

initTracing({ serviceName: 'exit-child' });
setTrace({ sessionId: 'exit-session' });

const flow = pipeline(
  {
    prepare: fn(async (x) => x * 2),
    fanout: parallel({ a: (x) => x + 1, b: async (x) => x + 2 }),
    finish: (r) => r.a + r.b,
  },
  { name: 'exit-flow' },
);
const count = Number(process.env.CALLS ?? '3');
for (let i = 0; i < count; i++) await flow.invoke(i);
console.log('child done');
