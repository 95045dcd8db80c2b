/**
 * Messages between the thread pool and its workers, and how errors cross the
 * thread boundary. The pool imports this module; a worker gets the constants
 * and the source of toWire from worker-entry.ts, with its program, so toWire
 * uses nothing outside its own body.
 *
 * asyncio-ts's own (CPython's threads share objects and need none).
 * Messages are flat arrays, not an object per job: building and cloning an
 * object per job costs several microseconds, a flat array a fraction of one.
 * A function's source goes to a worker once; later jobs name it by number.
 * Structured clone keeps only an Error's message, cause and (on recent Node)
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

/**
 * Pool → worker: jobs to run in order, `jobs` holding four items a job
 * (JOB_STRIDE): id, function number, flags (JOB_SIGNAL, JOB_TIMED),
 * arguments. `fns` defines the function numbers this worker has not seen.
 */
export interface JobsMessage {
  readonly t: "jobs";
  readonly jobs: unknown[];
  readonly fns: [number, FunctionRef][] | undefined;
}
export const JOB_STRIDE = 4;
/** Job flag: the function gets a JobSignal as its first argument. */
export const JOB_SIGNAL = 1;
/** Job flag: the worker reports when the job started and ended (ResultsMessage `times`), for a trace. */
export const JOB_TIMED = 2;

/** Pool → worker: the caller cancelled job `id` (a job of cancellable()). */
export interface AbortMessage {
  readonly t: "abort";
  readonly id: number;
}

export type PoolMessage = JobsMessage | AbortMessage;

/**
 * Worker → pool: outcomes, three items each (RESULT_STRIDE): id, 1 for a
 * value or 0 for a thrown WireThrown, the value or error. For jobs sent
 * with JOB_TIMED, `times` holds four items each (TIME_STRIDE): id, when the
 * job started and when it ended (microseconds on process.hrtime's clock,
 * which every thread of the process shares), 1 if it returned or 0 if it
 * threw; they come with the results of those jobs, or before them.
 */
export interface ResultsMessage {
  readonly t: "results";
  readonly results: unknown[];
  readonly times?: number[] | undefined;
}
export const RESULT_STRIDE = 3;
export const TIME_STRIDE = 4;

/** Worker → pool: output the job's code wrote, sent at once and in order with results. */
export interface OutputMessage {
  readonly t: "out";
  readonly stream: 1 | 2;
  readonly text: string;
}

export type WorkerMessage = ResultsMessage | OutputMessage;

/** Shared memory of one worker: what the pool and the worker both see at once. */
export const SLOT_ABORTED = 0; // The id of the running job the caller cancelled.
export const SLOT_RUNNING = 1; // The id of the job running now, 0 between jobs.
export const SLOT_LAST_DONE = 2; // The id of the last job that finished.
export const SLOT_STARTED = 3; // 1 once the worker's program is set up and listens for jobs.
/**
 * How many of the jobs sent to the worker are claimed: started by the
 * worker, or taken back by the pool. The worker numbers the jobs it
 * receives 1, 2, 3... and claims job k with compareExchange(k - 1, k) before
 * running it; the pool takes back every job not started yet by moving the
 * count to the number it sent. Whoever moves the count first wins, so a job
 * is never both run and taken back.
 */
export const SLOT_CLAIMED = 4;
export const SHARED_SLOTS = 5;

/** What a worker is sent when it starts. */
export interface WorkerData {
  /** Int32Array over shared memory, indexed by the SLOT_ constants. */
  readonly shared: Int32Array;
  /** Marks a worker of asyncio-ts's thread pool, for any copy of asyncio-ts loaded in it. */
  readonly [POOL_WORKER]: true;
}

/** The workerData key that marks a pool worker (a string: copies of asyncio-ts share no symbols). */
export const POOL_WORKER = "asyncio-ts.poolWorker";

/**
 * The global a pool worker sets, to the module's URL, while it imports a
 * module to find a moduleFunction() export: a pool started then (by the
 * module's top-level code) is refused, or every worker would start more.
 */
export const IMPORTING = "asyncio-ts.importing";

/** @internal Whether this thread is a worker of asyncio-ts's thread pool (started by any copy of asyncio-ts). */
export function _inPoolWorker(): boolean {
  const { isMainThread, workerData } = process.getBuiltinModule("node:worker_threads");
  return !isMainThread && (workerData as Record<string, unknown> | null | undefined)?.[POOL_WORKER] === true;
}

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

/**
 * @internal Turns a thrown value into something structured clone carries
 * whole. Self-contained: worker threads run its source.
 */
export function toWire(thrown: unknown, depth = 0): WireThrown {
  const cloneable = (value: unknown): boolean => {
    try {
      structuredClone(value);
      return true;
    } catch {
      return false;
    }
  };
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
  if (w.errors !== undefined)
    define(
      "errors",
      w.errors.map((e) => fromWire(e, classes)),
    );
  Object.assign(err, w.props);
  return err;
}
