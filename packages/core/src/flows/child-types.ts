import type { CallContext } from '../invocation.js';
import type { Runnable } from '../runnables/runnable.js';
import type { Child } from './flow.js';

/*
 * Type-level view of flow children: what a child accepts and what it resolves to, so flows infer
 * their own input and output from their children and reject a child that cannot take what it is
 * given. Plain functions count by their declared parameter; an unannotated parameter is `any`
 * (accepts everything).
 */

/** The input a child accepts. */
export type InputOf<C> =
  C extends Runnable<infer I, any> ? I : C extends (input: infer I, ...rest: any[]) => unknown ? I : never;

/** What a child resolves to (a stream stays a stream: `AsyncIterable<T>`). */
export type OutputOf<C> =
  C extends Runnable<any, infer O> ? O : C extends (...args: any[]) => infer R ? Awaited<R> : never;

/** The flow input a function child expects as `ctx.input` (`unknown` when it does not say). */
export type FlowInputOf<C> = C extends (input: any, ctx: CallContext<infer F>, ...rest: any[]) => unknown
  ? F
  : unknown;

/** `A & B & …` of a union, for branches that all receive the same input. */
export type IntersectionOf<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer X) => void
  ? X
  : never;

/** Shown in the compile error when a child cannot take what the flow gives it. */
export interface ChildInputMismatch<Given, Accepted> {
  readonly 'lazytrace: this step does not accept the previous output': { given: Given; accepted: Accepted };
}

/** Shown when a function child's `ctx: CallContext<X>` does not match the flow's input. */
export interface FlowInputMismatch<FlowInput, Expected> {
  readonly 'lazytrace: ctx.input of this step is the flow input': {
    flowInput: FlowInput;
    expected: Expected;
  };
}

/** The child itself when it accepts `Given` (and its ctx the flow input), else a descriptive error type. */
export type Accepting<C, Given, FlowInput> = [Given] extends [InputOf<C>]
  ? [FlowInput] extends [FlowInputOf<C>]
    ? C
    : FlowInputMismatch<FlowInput, FlowInputOf<C>>
  : ChildInputMismatch<Given, InputOf<C>>;

/**
 * The child itself when its `ctx: CallContext<X>` takes the flow's input (`ctx.input`), else a
 * descriptive error type. For children that all receive the flow's input (branches, a body).
 */
export type WithFlowInput<C, FlowInput> = [FlowInput] extends [FlowInputOf<C>]
  ? C
  : FlowInputMismatch<FlowInput, FlowInputOf<C>>;

/** Every branch checked with `WithFlowInput` (array branches stay a tuple, record branches a record). */
export type CheckedBranches<B, FlowInput> = { [K in keyof B]: WithFlowInput<B[K], FlowInput> };

/** Each step checked against the output of the step before it (the first against the flow input). */
export type CheckedSteps<S extends readonly unknown[], Given, FlowInput> = S extends readonly [
  infer Head,
  ...infer Rest,
]
  ? readonly [Accepting<Head, Given, FlowInput>, ...CheckedSteps<Rest, OutputOf<Head>, FlowInput>]
  : S;

/** A pipeline's input: what its first step accepts (any input for an empty pipeline). */
export type FirstInput<S extends readonly unknown[]> = S extends readonly [infer Head, ...unknown[]]
  ? InputOf<Head>
  : any;

/** A chain's output: what its last step resolves to (`Fallback` for no step). */
export type LastOutput<S extends readonly unknown[], Fallback> = S extends readonly [...unknown[], infer Last]
  ? OutputOf<Last>
  : Fallback;

/** Outputs of array branches (a tuple) or record branches (a record with the same keys). */
export type OutputsOf<B> = { -readonly [K in keyof B]: OutputOf<B[K]> };

/** Inputs of array branches (a tuple) or record branches (a record with the same keys). */
export type InputsOf<B> = { -readonly [K in keyof B]: InputOf<B[K]> };

/** The one input every branch receives: the intersection of what each accepts. */
export type SharedInput<B> = B extends readonly unknown[]
  ? IntersectionOf<InputOf<B[number]>>
  : IntersectionOf<InputOf<B[keyof B]>>;

/** Array children as a tuple, so each keeps its own type. */
export type ChildTuple = readonly Child[] | readonly [];

/** Record children. */
export type ChildRecord = Readonly<Record<string, Child>>;

/**
 * One step of a chain whose types are fixed by position: it takes `I`, resolves to `O` and sees
 * `F` (the flow's input) as `ctx.input`. As a parameter type it gives an unannotated function
 * step its types (`(n, ctx) => …`: `n` is the previous output, `ctx.input` the flow input).
 * `F` is never inferred from a step's `ctx` (only from the first step's input), so a step that
 * declares another `ctx.input` type is an error rather than a different flow input.
 */
export type Step<I, O, F> = Runnable<I, O> | ((input: I, ctx: CallContext<NoInfer<F>>) => O | Promise<O>);

/** A step of a record whose order the types cannot see: only its `ctx.input` is known. */
export type RecordStep<F> = Runnable<any, unknown> | ((input: any, ctx: CallContext<NoInfer<F>>) => unknown);
