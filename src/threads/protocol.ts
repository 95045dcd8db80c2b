/**
 * Messages between the thread pool and its workers, and how errors cross the
 * thread boundary. Imported by both sides; worker-entry.ts imports nothing
 * else of asyncio-ts.
 *
 * asyncio-ts's own (CPython's threads share objects and need none).
 * Structured clone keeps only an Error's message and, on recent Node, its
 * name and stack; errors are therefore sent as a WireError and rebuilt with
 * their class (built-in, or registered with registerErrorClass), message,
 * stack, cause, own properties and AggregateError.errors.
 *
 * @module
 */

/** How a job names its function. */
export type FunctionRef =
  | { readonly kind: "source"; readonly source: string; readonly name: string }
  | { readonly kind: "module"; readonly url: string; readonly name: string };

/** A job: run `fn(...args)`. */
export interface JobMessage {
  readonly id: number;
  readonly fn: FunctionRef;
  readonly args: unknown[];
  /** Pass the job's JobSignal as the function's first argument. */
  readonly signal: boolean;
}

/** Pool → worker: jobs to run in order. Several go in one message when calls come in bursts. */
export interface JobsMessage {
  readonly type: "jobs";
  readonly jobs: JobMessage[];
}

/** Pool → worker: the caller cancelled job `id` (a job of cancellable()). */
export interface AbortMessage {
  readonly type: "abort";
  readonly id: number;
}

/** What a worker is sent when it starts: the flag through which a running job is cancelled. */
export interface WorkerData {
  /** Int32Array over shared memory: [0] is the id of a running job the caller cancelled. */
  readonly abortFlag: Int32Array;
}

/** Worker → pool: a job's outcome. */
export type ResultMessage =
  | { readonly type: "result"; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: "result"; readonly id: number; readonly ok: false; readonly error: WireThrown };

/** Worker → pool: a line the job's code wrote with console.*, kept in order with results. */
export interface LogMessage {
  readonly type: "log";
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

/** Worker → pool: results and console lines, in the order they happened. */
export interface BatchMessage {
  readonly type: "batch";
  readonly items: (ResultMessage | LogMessage)[];
}

export type WorkerMessage = BatchMessage;

/** A thrown value on the wire: an error, or any other cloneable value. */
export type WireThrown = { readonly error: WireError } | { readonly value: unknown };

export interface WireError {
  readonly name: string;
  readonly className: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly cause?: WireThrown;
  readonly errors?: WireThrown[];
  readonly props: Record<string, unknown>;
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** @internal Turns a thrown value into something structured clone carries whole. */
export function toWire(thrown: unknown, depth = 0): WireThrown {
  if (!(thrown instanceof Error) || depth > 8) {
    return { value: cloneable(thrown) ? thrown : String(thrown) };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (key === "cause" || key === "errors" || key === "message" || key === "stack" || key === "name") continue;
    const v = (thrown as unknown as Record<string, unknown>)[key];
    if (cloneable(v)) props[key] = v;
  }
  const wire: {
    -readonly [K in keyof WireError]: WireError[K];
  } = {
    name: thrown.name,
    className: thrown.constructor?.name ?? "Error",
    message: thrown.message,
    stack: thrown.stack,
    props,
  };
  if ("cause" in thrown) wire.cause = toWire(thrown.cause, depth + 1);
  if (thrown instanceof AggregateError) wire.errors = thrown.errors.map((e) => toWire(e, depth + 1));
  return { error: wire };
}

const BUILT_IN: Record<string, ErrorConstructor | AggregateErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
};

/** @internal Rebuilds a thrown value: its class is looked up by name in `classes`, then among the built-ins. */
export function fromWire(wire: WireThrown, classes: ReadonlyMap<string, Function>): unknown {
  if (!("error" in wire)) return wire.value;
  const w = wire.error;
  const cls = classes.get(w.className) ?? BUILT_IN[w.className] ?? Error;
  const err = Object.create(cls.prototype as object) as Error & Record<string, unknown>;
  const define = (key: string, value: unknown): void => {
    Object.defineProperty(err, key, { value, writable: true, configurable: true, enumerable: false });
  };
  define("message", w.message);
  if (w.stack !== undefined) define("stack", w.stack);
  if (err.name !== w.name) define("name", w.name);
  if (w.cause !== undefined) define("cause", fromWire(w.cause, classes));
  if (w.errors !== undefined) define("errors", w.errors.map((e) => fromWire(e, classes)));
  Object.assign(err, w.props);
  return err;
}
