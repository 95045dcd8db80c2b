/**
 * The program each pool worker runs: it takes jobs, runs them one after the
 * other, and sends back results and output in the order they happened.
 *
 * asyncio-ts's own. A function given as source is compiled once per worker
 * and cached; a module export is imported once. Jobs arrive in batches and
 * results leave in batches (flushed when the worker runs out of jobs, or
 * every millisecond of work), so a burst of small calls costs a few messages,
 * not two per call. What the job's code writes to stdout or stderr (console.*
 * included) is sent at once on the same port, after the results before it:
 * the caller's terminal shows it in order with its own output (Node forwards
 * a worker's own stdout asynchronously, which can print it after later
 * main-thread output).
 *
 * @module
 */

import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import {
  type FunctionRef,
  JOB_STRIDE,
  type PoolMessage,
  RESULT_STRIDE,
  SLOT_ABORTED,
  SLOT_LAST_DONE,
  SLOT_CLAIMED,
  SLOT_RUNNING,
  SLOT_STARTED,
  type WorkerData,
  toWire,
} from "./protocol.js";

const port = parentPort;
if (port === null) throw new Error("asyncio-ts worker-entry.js runs inside a worker thread of the pool");

type Fn = (...args: unknown[]) => unknown;
const { shared } = workerData as WorkerData;
// The pool tells a worker that never got here (its entry file missing, a
// preload failing, too little memory to boot) from one that crashed later.
Atomics.store(shared, SLOT_STARTED, 1);
const fns = new Map<number, { ref: FunctionRef; fn: Fn | undefined }>();
// Flat, QUEUE_STRIDE items a job: its number here, then the JOB_STRIDE items sent.
const queue: unknown[] = [];
const QUEUE_STRIDE = JOB_STRIDE + 1;
let queueHead = 0;
// How many jobs this worker has received: the number of the last one.
let received = 0;
let results: unknown[] = [];
let draining = false;
// Jobs of cancellable() the caller cancelled (by id), and their AbortControllers.
const abortedIds = new Set<number>();
const controllers = new Map<number, AbortController>();

// esbuild and tsx (keepNames) insert __name(fn, "name") calls into function
// bodies; a function's source sent here may contain them.
(globalThis as { __name?: unknown }).__name ??= (fn: Function, name: string): Function =>
  Object.defineProperty(fn, "name", { value: name, configurable: true });

function flush(): void {
  if (results.length === 0) return;
  const out = results;
  results = [];
  try {
    port!.postMessage({ t: "results", results: out });
  } catch {
    // A result that cannot be cloned: send each alone, replacing the bad ones.
    for (let i = 0; i < out.length; i += RESULT_STRIDE) {
      try {
        port!.postMessage({ t: "results", results: out.slice(i, i + RESULT_STRIDE) });
      } catch (err) {
        const message = `the result of the job cannot be sent back from the worker thread: ${String(
          (err as Error).message,
        ).replace(/\.$/, "")}; return plain data (structured-cloneable)`;
        port!.postMessage({ t: "results", results: [out[i], 0, toWire(new TypeError(message))] });
      }
    }
  }
}

// Output goes out at once, after the results before it, so it keeps its place.
for (const [stream, id] of [
  [process.stdout, 1],
  [process.stderr, 2],
] as const) {
  stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    const text =
      typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
    flush();
    port.postMessage({ t: "out", stream: id, text });
    const cb = typeof encoding === "function" ? encoding : callback;
    if (typeof cb === "function") queueMicrotask(cb as () => void);
    return true;
  }) as typeof stream.write;
}
// A job that calls process.exit(): its results so far still reach the caller.
process.on("exit", flush);

function abortError(): DOMException {
  return new DOMException("The task awaiting this job was cancelled", "AbortError");
}

// The JobSignal a cancellable() function gets as its first argument.
function jobSignal(id: number): object {
  const controller = new AbortController();
  controllers.set(id, controller);
  const isAborted = (): boolean => Atomics.load(shared, SLOT_ABORTED) === id || abortedIds.has(id);
  return Object.freeze({
    get aborted(): boolean {
      return isAborted();
    },
    throwIfAborted(): void {
      if (isAborted()) throw abortError();
    },
    signal: controller.signal,
  });
}

function compile(source: string): Fn {
  // A function expression, an arrow, or a method written in shorthand.
  try {
    return new Function(`return (${source});`)() as Fn;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const holder = new Function(`return ({${source}});`)() as Record<string, Fn>;
    const [fn] = Object.values(holder);
    if (typeof fn !== "function") throw err;
    return fn;
  }
}

async function load(ref: FunctionRef): Promise<Fn> {
  if (ref.kind === "source") return compile(ref.source);
  const mod = (await import(ref.url)) as Record<string, unknown>;
  const exported = mod[ref.name];
  if (typeof exported !== "function") {
    throw new TypeError(`${ref.url} has no exported function ${JSON.stringify(ref.name)}: export it, or check the name`);
  }
  return exported as Fn;
}

function explain(err: unknown, ref: FunctionRef | undefined): unknown {
  // A self-contained function sees only its parameters and the worker's
  // globals: a variable it captured from its scope is not defined here.
  if (ref?.kind === "source" && err instanceof ReferenceError) {
    const match = /^(\S+) is not defined$/.exec(err.message);
    if (match) {
      err.message =
        `${err.message}: toThread() runs ${ref.name || "the function"} in a worker thread, where only its parameters ` +
        `and globals exist; pass ${match[1]} as an argument, or export the function from a module and pass ` +
        `moduleFunction(import.meta.url, "${ref.name || "name"}")`;
    }
  }
  return err;
}

async function runJob(id: number, fnId: number, signal: boolean, args: unknown[]): Promise<void> {
  const entry = fns.get(fnId);
  Atomics.store(shared, SLOT_RUNNING, id);
  try {
    if (abortedIds.has(id)) throw abortError(); // Cancelled before it started.
    if (entry === undefined) throw new Error(`asyncio-ts: unknown function ${fnId} in a worker thread`);
    entry.fn ??= await load(entry.ref);
    let value = signal ? entry.fn(jobSignal(id), ...args) : entry.fn(...args);
    if (value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function") {
      value = await value;
    }
    results.push(id, 1, value);
  } catch (err) {
    results.push(id, 0, toWire(explain(err, entry?.ref)));
  } finally {
    Atomics.store(shared, SLOT_RUNNING, 0);
    Atomics.store(shared, SLOT_LAST_DONE, id);
    if (signal) {
      controllers.delete(id);
      abortedIds.delete(id);
    }
  }
}

function onMessage(message: PoolMessage): void {
  if (message.t === "abort") {
    abortedIds.add(message.id);
    controllers.get(message.id)?.abort(abortError());
    return;
  }
  if (message.fns !== undefined) for (const [id, ref] of message.fns) fns.set(id, { ref, fn: undefined });
  for (let i = 0; i < message.jobs.length; i += JOB_STRIDE) {
    queue.push(++received, message.jobs[i], message.jobs[i + 1], message.jobs[i + 2], message.jobs[i + 3]);
  }
}

let lastFn = -1;

async function drain(): Promise<void> {
  draining = true;
  let since = performance.now();
  while (queueHead < queue.length) {
    // Messages that came while the last job ran (more jobs, cancellations),
    // taken now: a job cancelled before it starts is skipped.
    for (let m = receiveMessageOnPort(port!); m !== undefined; m = receiveMessageOnPort(port!)) {
      onMessage(m.message as PoolMessage);
    }
    const i = queueHead;
    queueHead += QUEUE_STRIDE;
    // Claim the job: the pool may have taken it back, to run it on a worker
    // that was idle; then it is skipped, and sends no result.
    const k = queue[i] as number;
    if (Atomics.compareExchange(shared, SLOT_CLAIMED, k - 1, k) === k - 1) {
      // Results go out before a different function runs: if that one
      // crashes the worker, the results before it are not lost with it.
      if (queue[i + 2] !== lastFn) {
        flush();
        lastFn = queue[i + 2] as number;
      }
      await runJob(queue[i + 1] as number, queue[i + 2] as number, queue[i + 3] === 1, queue[i + 4] as unknown[]);
    }
    if (queueHead >= queue.length) {
      queue.length = 0;
      queueHead = 0;
    }
    if (queueHead === 0 || performance.now() - since > 1) {
      flush();
      since = performance.now();
    }
  }
  draining = false;
  flush();
}

port.on("message", (message: PoolMessage) => {
  onMessage(message);
  if (!draining) void drain();
});
