import type { Attributes } from '@opentelemetry/api';
import { chatAdapter } from './adapters/chat.js';
import { completionsAdapter } from './adapters/completions.js';
import { embeddingsAdapter } from './adapters/embeddings.js';
import { responsesAdapter } from './adapters/responses.js';
import * as O from './attributes.js';
import { watchModuleCalls } from './enclosing-module.js';
import { OpenAIOperation } from './operation.js';
import { tracedRunTools } from './run-tools.js';
import { type ClientState, type MethodSpec, tracedCall } from './traced-call.js';

export interface WrapOpenAIOptions {
  /**
   * Name of the spans this client produces (default: the method, e.g.
   * `openai.chat.completions.create`). A `runTools` run is named `<name>.runTools`.
   */
  readonly name?: string;
  /**
   * `false`: never record inputs and outputs of this client's calls (model, usage, timings and
   * errors still are). Default: whatever the trace context says (`captureContent`, module
   * switches), as for any module.
   */
  readonly captureContent?: boolean;
  /**
   * Add `stream_options: { include_usage: true }` to chat streams that do not ask for usage, so
   * their span has token counts; the extra chunk is kept from the caller. Default true; turn it
   * off for an OpenAI-compatible server that rejects `stream_options`.
   */
  readonly streamUsage?: boolean;
}

/** Where each traced method lives on the client, and how it is followed. */
const METHODS: readonly (MethodSpec & { readonly path: readonly string[] })[] = [
  {
    path: ['chat', 'completions'],
    method: 'chat.completions.create',
    kind: 'llm',
    adapter: chatAdapter,
    injectUsage: true,
  },
  {
    path: ['responses'],
    method: 'responses.create',
    kind: 'llm',
    adapter: responsesAdapter,
    injectUsage: false,
  },
  {
    path: ['embeddings'],
    method: 'embeddings.create',
    kind: 'embedding',
    adapter: embeddingsAdapter,
    injectUsage: false,
  },
  {
    path: ['completions'],
    method: 'completions.create',
    kind: 'llm',
    adapter: completionsAdapter,
    injectUsage: false,
  },
];

/** Span names of requests made by the SDK's helpers (`options.__metadata.helperMethod`). */
const HELPER_METHODS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'chat.completions.create': {
    'chat.completions.parse': 'chat.completions.parse',
    stream: 'chat.completions.stream',
  },
  'responses.create': { stream: 'responses.stream' },
};

interface Patch {
  readonly target: Record<string, unknown>;
  readonly key: string;
  /** The own property the method replaced, if the instance had one (restored by unwrap). */
  readonly previous: PropertyDescriptor | undefined;
  readonly traced: unknown;
}

const wrapped = new WeakMap<object, Patch[]>();

/**
 * Traces the calls of one OpenAI client instance: `chat.completions.create` (also streamed, and
 * through `parse`, `stream()` and `runTools`), `responses.create` (also streamed, and through
 * `responses.stream()`), `embeddings.create` and `completions.create` each produce one span
 * through @lazytrace/core. Only this instance's resource objects are changed (own properties that
 * shadow the SDK's methods): other clients, the SDK's prototypes and module state are untouched.
 * Wrapping again is a no-op; `unwrapOpenAI` restores the client. Returns the client itself.
 * A client derived with `client.withOptions()` comes back wrapped with the same options.
 */
export function wrapOpenAI<C extends object>(client: C, options: WrapOpenAIOptions = {}): C {
  if (client === null || typeof client !== 'object') {
    throw new TypeError(
      `wrapOpenAI: "client" must be an OpenAI client, got ${client === null ? 'null' : typeof client}`,
    );
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `wrapOpenAI: "options" must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new TypeError(`wrapOpenAI: "name" must be a non-empty string, got ${JSON.stringify(options.name)}`);
  }
  if (options.captureContent !== undefined && typeof options.captureContent !== 'boolean') {
    throw new TypeError(
      `wrapOpenAI: "captureContent" must be a boolean, got ${typeof options.captureContent}`,
    );
  }
  if (options.streamUsage !== undefined && typeof options.streamUsage !== 'boolean') {
    throw new TypeError(`wrapOpenAI: "streamUsage" must be a boolean, got ${typeof options.streamUsage}`);
  }
  if (wrapped.has(client)) return client;

  watchModuleCalls();
  const state = clientState(client, options);
  const patches: Patch[] = [];
  for (const spec of METHODS) {
    const resource = resolve(client, spec.path);
    if (resource === undefined || typeof resource.create !== 'function') continue;
    const original = resource.create as (...args: unknown[]) => unknown;
    patches.push(
      patch(resource, 'create', function create(this: unknown, ...args: unknown[]) {
        return tracedCall(state, spec, original, this, args);
      }),
    );
    if (spec.method === 'chat.completions.create' && typeof resource.runTools === 'function') {
      const runTools = resource.runTools as (...args: unknown[]) => unknown;
      patches.push(
        patch(resource, 'runTools', function runToolsTraced(this: unknown, ...args: unknown[]) {
          return tracedRunTools(state, runTools, this, args);
        }),
      );
    }
  }
  // A client derived with `withOptions()` (another timeout, other headers) is traced like this one.
  const withOptions = (client as { withOptions?: unknown }).withOptions;
  if (typeof withOptions === 'function') {
    patches.push(
      patch(
        client as Record<string, unknown>,
        'withOptions',
        function withOptionsTraced(this: unknown, ...args: unknown[]) {
          const derived = (withOptions as (...a: unknown[]) => unknown).apply(this, args);
          return derived !== null && typeof derived === 'object' ? wrapOpenAI(derived, options) : derived;
        },
      ),
    );
  }
  wrapped.set(client, patches);
  return client;
}

/** Restores a client wrapped by `wrapOpenAI` (calls already started finish their spans). */
export function unwrapOpenAI<C extends object>(client: C): C {
  const patches = client !== null && typeof client === 'object' ? wrapped.get(client) : undefined;
  if (patches === undefined) return client;
  wrapped.delete(client);
  for (const { target, key, previous, traced } of patches) {
    // Someone else replaced the method after us: theirs stays.
    if (target[key] !== traced) continue;
    if (previous === undefined) delete target[key];
    else Object.defineProperty(target, key, previous);
  }
  return client;
}

/** Whether `client` is currently wrapped. */
export function isWrappedOpenAI(client: object): boolean {
  return wrapped.has(client);
}

function patch(target: Record<string, unknown>, key: string, traced: (...args: unknown[]) => unknown): Patch {
  const previous = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, {
    value: traced,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return { target, key, previous, traced };
}

function resolve(client: object, path: readonly string[]): Record<string, unknown> | undefined {
  let node: unknown = client;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

function clientState(client: object, options: WrapOpenAIOptions): ClientState {
  const operations = new Map<string, OpenAIOperation>();
  const spanNames = new Map<string, string>();
  const direct = new Map<MethodSpec, OpenAIOperation>();
  return {
    provider: providerName(client),
    serverAttributes: serverAttributes(client),
    captureOff: options.captureContent === false,
    streamUsage: options.streamUsage !== false,
    operation(name, kind) {
      const key = `${kind}\u0000${name}`;
      let operation = operations.get(key);
      if (operation === undefined) {
        operation = new OpenAIOperation(name, kind);
        operations.set(key, operation);
      }
      return operation;
    },
    directOperation(spec) {
      let operation = direct.get(spec);
      if (operation === undefined) {
        operation = this.operation(this.spanName(spec.method, undefined), spec.kind);
        direct.set(spec, operation);
      }
      return operation;
    },
    spanName(method, helper) {
      const key = helper === undefined ? method : `${method}\u0000${helper}`;
      let name = spanNames.get(key);
      if (name === undefined) {
        const operation = (helper !== undefined ? HELPER_METHODS[method]?.[helper] : undefined) ?? method;
        if (options.name === undefined) name = `openai.${operation}`;
        else name = operation === 'chat.completions.runTools' ? `${options.name}.runTools` : options.name;
        spanNames.set(key, name);
      }
      return name;
    },
  };
}

/** `gen_ai.provider.name`: Azure's client is a subclass of the OpenAI one. */
function providerName(client: object): string {
  let proto = Object.getPrototypeOf(client) as { constructor?: { name?: string } } | null;
  while (proto !== null) {
    if (proto.constructor?.name === 'AzureOpenAI') return 'azure.ai.openai';
    proto = Object.getPrototypeOf(proto) as typeof proto;
  }
  return 'openai';
}

/** `server.address` / `server.port` from the client's base URL, computed once per client. */
function serverAttributes(client: object): Attributes {
  const attributes: Attributes = {};
  try {
    const baseURL = (client as { baseURL?: unknown }).baseURL;
    if (typeof baseURL !== 'string') return attributes;
    const url = new URL(baseURL);
    attributes[O.SERVER_ADDRESS] = url.hostname;
    attributes[O.SERVER_PORT] = url.port !== '' ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  } catch {
    // Not a URL: no server attributes.
  }
  return Object.freeze(attributes) as Attributes;
}
