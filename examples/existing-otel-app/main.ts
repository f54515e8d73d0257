import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { startApp } from './app.js';

const app = startApp(new ConsoleSpanExporter(), ['console']);
console.log(await app.handleRequest('tides'));
await app.stop();
