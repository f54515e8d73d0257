/** On/off switches for one module name, class or kind. `false` is short for `{ enabled: false }`. */
export type ModuleSwitch = boolean | { readonly enabled?: boolean; readonly captureContent?: boolean };

/** Per-module switches (LazyLLM's `module_trace`). A name match beats a class match beats a kind match. */
export interface ModuleSwitches {
  readonly byName?: Readonly<Record<string, ModuleSwitch>> | undefined;
  readonly byClass?: Readonly<Record<string, ModuleSwitch>> | undefined;
  readonly byKind?: Readonly<Record<string, ModuleSwitch>> | undefined;
}

/** Where a string is expected, a number or bigint is taken as its decimal text. */
export type StringLike = string | number | bigint;

/**
 * The trace configuration of a request: what `setTrace` / `withTrace` set. On the request path
 * numbers and bigints are accepted where a string is expected, `null` means "not set", and any
 * other wrong value is dropped with one warning per field.
 */
export interface TraceContext {
  /** Tracing on/off for calls in this context. */
  readonly enabled?: boolean | null;
  /** A one-element array (a header read with `headersDistinct`) is its element; several are ambiguous. */
  readonly sessionId?: StringLike | readonly StringLike[] | null;
  readonly userId?: StringLike | readonly StringLike[] | null;
  /** Tags are added to those of outer scopes (deduplicated), never replace them. */
  readonly tags?: readonly (string | number)[] | string | null;
  /** Record inputs and outputs. */
  readonly captureContent?: boolean | null;
  /** Name of the trace; defaults to the name of the request's root runnable. */
  readonly traceName?: StringLike | null;
  /** String metadata (numbers and booleans become strings), merged key by key over outer scopes. */
  readonly metadata?: Readonly<Record<string, string | number | bigint | boolean | null | undefined>> | null;
  /**
   * `false`: this request is sampled out (no spans). `true`: keep it even under a sample rate
   * (honoured by lazytrace's sampler in `@lazytrace/config`).
   */
  readonly sampled?: boolean | null;
  /** Per-module switches, merged over outer scopes. */
  readonly modules?: ModuleSwitches | null;
}

/** The effective trace configuration: every field resolved. */
export interface ResolvedTraceContext {
  readonly enabled: boolean;
  readonly sessionId: string | undefined;
  readonly userId: string | undefined;
  readonly tags: readonly string[];
  readonly captureContent: boolean;
  readonly traceName: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly sampled: boolean | undefined;
  readonly modules: ModuleSwitches;
}

/** @internal A trace configuration after reading: every field of its one type. */
export interface TraceContextPatch {
  readonly enabled?: boolean;
  readonly sessionId?: string;
  readonly userId?: string;
  readonly tags?: readonly string[];
  readonly captureContent?: boolean;
  readonly traceName?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly sampled?: boolean;
  readonly modules?: ModuleSwitches;
}
