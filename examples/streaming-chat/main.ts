/** A streaming chat module inside a pipeline: tokens print as they come, the trace follows. */
import { initTracing, setTrace, shutdownTracing } from '@lazytrace/config';
import { buildChat } from './chat.js';

initTracing({ serviceName: 'streaming-chat', backends: ['console'] });
setTrace({ sessionId: 'chat-1', userId: 'alice' });

const stream = await buildChat().invoke('What does lazytrace record for a stream?');
for await (const token of stream) process.stdout.write(token);
process.stdout.write('\n\n');
await shutdownTracing();
