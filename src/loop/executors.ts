/**
 * The loop's link to the thread pool, without importing it: threads/
 * registers how to make and use executors, and the loop keeps only its
 * default executor in a slot. So the loop depends on no layer above it, and
 * a program that starts no thread does not load the pool.
 *
 * asyncio-ts's own (CPython's base_events.py imports concurrent.futures).
 *
 * @module
 */

import { RuntimeError } from "../errors.js";
import type { Future } from "../futures.js";
import type { EventLoop } from "./event-loop.js";

/** @internal What the loop needs of an executor (threads/ ThreadPoolExecutor). */
export interface LoopExecutor {
  shutdown(options: { wait?: boolean; timeout?: number | null }): Promise<void>;
}

/** @internal How the loop makes and uses executors, registered by threads/to-thread.ts. */
export interface ExecutorSupport {
  isExecutor(value: unknown): value is LoopExecutor;
  newDefault(): LoopExecutor;
  runInExecutor(
    loop: EventLoop,
    executor: LoopExecutor | null,
    fn: unknown,
    args: unknown[],
    what: string,
  ): Future<unknown>;
}

let support: ExecutorSupport | undefined;

/** @internal */
export function _registerExecutorSupport(value: ExecutorSupport): void {
  support = value;
}

/** @internal The registered support; `what` names the caller in the error when there is none. */
export function _executorSupport(what: string): ExecutorSupport {
  if (support === undefined) {
    throw new RuntimeError(
      `${what} needs asyncio-ts's thread pool, which is not loaded: import toThread or ThreadPoolExecutor from "asyncio-ts", or start the loop with run()`,
    );
  }
  return support;
}
