/**
 * The program each pool worker runs: it takes jobs, runs their function and
 * sends back the result or the error, one job at a time.
 *
 * asyncio-ts's own. A function given as source is compiled once per worker
 * and cached; a module export is imported once. console output of the job's
 * code is sent through the same port as results, so the caller's terminal
 * shows it in order, before the result it led to (Node forwards a worker's
 * own stdout asynchronously, which could print it after later main-thread
 * output).
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { format } from "node:util";
import { type FunctionRef, type JobMessage, type WorkerMessage, toWire } from "./protocol.js";

const port = parentPort;
if (port === null) throw new Error("asyncio-ts worker-entry.js runs inside a worker thread of the pool");

type Fn = (...args: unknown[]) => unknown;
const cache = new Map<string, Fn>();

function send(message: WorkerMessage): void {
  port!.postMessage(message);
}

for (const [method, stream] of [
  ["log", "stdout"],
  ["info", "stdout"],
  ["debug", "stdout"],
  ["warn", "stderr"],
  ["error", "stderr"],
] as const) {
  console[method] = (...args: unknown[]): void => send({ type: "log", stream, text: format(...args) + "\n" });
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

port.on("message", async (job: JobMessage) => {
  let value: unknown;
  try {
    const fn = await resolve(job.fn);
    value = await fn(...job.args);
  } catch (err) {
    send({ type: "result", id: job.id, ok: false, error: toWire(explain(err, job.fn)) });
    return;
  }
  try {
    send({ type: "result", id: job.id, ok: true, value });
  } catch (err) {
    const message = `the result of ${job.fn.name || "the function"} cannot be sent back from the worker thread: ${
      (err as Error).message
    }; return plain data (structured-cloneable)`;
    send({ type: "result", id: job.id, ok: false, error: toWire(new TypeError(message)) });
  }
});
