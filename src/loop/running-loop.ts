/**
 * The event loop running in this thread: at most one, as in asyncio.
 *
 * Port of CPython 3.13 Lib/asyncio/events.py `_get_running_loop`,
 * `get_running_loop`. Kept on globalThis so that two copies of asyncio-ts in
 * one process still see each other's loop. Worker threads have their own
 * globalThis, hence their own loop.
 *
 * @module
 */

import { RuntimeError } from "../errors.js";
import type { EventLoop } from "./event-loop.js";

const KEY = Symbol.for("asyncio-ts.runningLoop");
type Slot = { loop: EventLoop | undefined };
const slot: Slot =
  ((globalThis as Record<symbol, unknown>)[KEY] as Slot | undefined) ??
  ((globalThis as Record<symbol, unknown>)[KEY] = { loop: undefined } as Slot);

/** @internal The loop that holds this thread, or undefined. */
export function _getRunningLoop(): EventLoop | undefined {
  return slot.loop;
}

/** @internal Claims the thread for `loop`; throws if another loop holds it. */
export function _claimThread(loop: EventLoop, what: string): void {
  if (slot.loop !== undefined && slot.loop !== loop) {
    throw new RuntimeError(
      `${what} cannot be called from a running event loop: await main() there, or createTask(main)`,
    );
  }
  slot.loop = loop;
}

/** @internal Gives the thread up. */
export function _releaseThread(loop: EventLoop): void {
  if (slot.loop === loop) slot.loop = undefined;
}

/**
 * The event loop running in this thread.
 *
 * @throws {RuntimeError} outside `run()`: there is no running event loop.
 * @example
 * ```ts
 * await run(async () => { getRunningLoop().time(); });
 * ```
 */
export function getRunningLoop(): EventLoop {
  const loop = slot.loop;
  if (loop === undefined) {
    throw new RuntimeError("no running event loop: call this inside run(main), or inside a task that run() started");
  }
  return loop;
}
