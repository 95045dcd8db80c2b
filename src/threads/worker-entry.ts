/**
 * The program each pool worker runs: it takes jobs, runs them one after the
 * other, and sends back results and console output in the order they
 * happened.
 *
 * asyncio-ts's own. A function given as source is compiled once per worker
 * and cached; a module export is imported once. Jobs arrive in batches and
 * results leave in batches (flushed when the worker runs out of jobs, or
 * every millisecond of work), so a burst of small calls costs a few messages,
 * not two per call. console output of the job's code travels in the same
 * batches, so the caller's terminal shows it in order, before the result it
 * led to (Node forwards a worker's own stdout asynchronously, which could
 * print it after later main-thread output).
 *
 * @module
 */

import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { format } from "node:util";
import { performance } from "node:perf_hooks";
import {
  type AbortMessage,
  type FunctionRef,
  type JobMessage,
  type JobsMessage,
  type LogMessage,
  type ResultMessage,
  type WorkerData,
  toWire,
} from "./protocol.js";

const port = parentPort;
if (port === null) throw new Error("asyncio-ts worker-entry.js runs inside a worker thread of the pool");

type Fn = (...args: unknown[]) => unknown;
const { abortFlag } = workerData as WorkerData;
// Jobs of cancellable() the caller cancelled (by id), and their AbortControllers.
const abortedIds = new Set<number>();
const controllers = new Map<number, AbortController>();

function abortError(): DOMException {
  return new DOMException("The task awaiting this job was cancelled", "AbortError");
}

// The JobSignal a cancellable() function gets as its first argument.
function jobSignal(id: number): object {
  const controller = new AbortController();
  controllers.set(id, controller);
  const isAborted = (): boolean => Atomics.load(abortFlag, 0) === id || abortedIds.has(id);
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
const cache = new Map<string, Fn>();
const queue: JobMessage[] = [];
let outbox: (ResultMessage | LogMessage)[] = [];
let draining = false;
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  if (outbox.length === 0) return;
  const items = outbox;
  outbox = [];
  try {
    port!.postMessage({ type: "batch", items });
  } catch {
    // A result that cannot be cloned: send each alone, replacing the bad ones.
    for (const item of items) {
      try {
        port!.postMessage({ type: "batch", items: [item] });
      } catch (err) {
        if (item.type !== "result") continue;
        const message = `the result of the job cannot be sent back from the worker thread: ${String(
          (err as Error).message,
        ).replace(/\.$/, "")}; return plain data (structured-cloneable)`;
        port!.postMessage({
          type: "batch",
          items: [{ type: "result", id: item.id, ok: false, error: toWire(new TypeError(message)) }],
        });
      }
    }
  }
}

function scheduleFlush(): void {
  if (draining || flushScheduled) return;
  flushScheduled = true;
  queueMicrotask(flush);
}

for (const [method, stream] of [
  ["log", "stdout"],
  ["info", "stdout"],
  ["debug", "stdout"],
  ["warn", "stderr"],
  ["error", "stderr"],
] as const) {
  console[method] = (...args: unknown[]): void => {
    outbox.push({ type: "log", stream, text: format(...args) + "\n" });
    scheduleFlush();
  };
}
// A job that calls process.exit(): what it printed still reaches the caller.
process.on("exit", flush);

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

async function resolve(ref: FunctionRef): Promise<Fn> {
  const key = ref.kind === "source" ? ref.source : `${ref.url}#${ref.name}`;
  let fn = cache.get(key);
  if (fn === undefined) {
    if (ref.kind === "source") {
      fn = compile(ref.source);
    } else {
      const mod = (await import(ref.url)) as Record<string, unknown>;
      const exported = mod[ref.name];
      if (typeof exported !== "function") {
        throw new TypeError(`${ref.url} has no exported function ${JSON.stringify(ref.name)}: export it, or check the name`);
      }
      fn = exported as Fn;
    }
    cache.set(key, fn);
  }
  return fn;
}

function explain(err: unknown, ref: FunctionRef): unknown {
  // A self-contained function sees only its parameters and the worker's
  // globals: a variable it captured from its scope is not defined here.
  if (ref.kind === "source" && err instanceof ReferenceError) {
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

async function runJob(job: JobMessage): Promise<void> {
  try {
    if (abortedIds.has(job.id)) throw abortError(); // Cancelled before it started.
    const fn = cache.get(job.fn.kind === "source" ? job.fn.source : `${job.fn.url}#${job.fn.name}`) ?? (await resolve(job.fn));
    let value = job.signal ? fn(jobSignal(job.id), ...job.args) : fn(...job.args);
    if (value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function") {
      value = await value;
    }
    outbox.push({ type: "result", id: job.id, ok: true, value });
  } catch (err) {
    outbox.push({ type: "result", id: job.id, ok: false, error: toWire(explain(err, job.fn)) });
  } finally {
    if (job.signal) {
      controllers.delete(job.id);
      abortedIds.delete(job.id);
    }
  }
}

async function drain(): Promise<void> {
  draining = true;
  let since = performance.now();
  while (queue.length > 0) {
    // Messages that came while the last job ran (more jobs, cancellations),
    // taken now: a job cancelled before it starts is skipped.
    for (let m = receiveMessageOnPort(port!); m !== undefined; m = receiveMessageOnPort(port!)) {
      onMessage(m.message as JobsMessage | AbortMessage);
    }
    await runJob(queue.shift()!);
    if (queue.length === 0 || performance.now() - since > 1) {
      flush();
      since = performance.now();
    }
  }
  draining = false;
  flush();
}

function onMessage(message: JobsMessage | AbortMessage): void {
  if (message.type === "abort") {
    abortedIds.add(message.id);
    controllers.get(message.id)?.abort(abortError());
    return;
  }
  for (const job of message.jobs) queue.push(job);
}

port.on("message", (message: JobsMessage | AbortMessage) => {
  onMessage(message);
  if (!draining) void drain();
});
