/**
 * The loop binding of the synchronization primitives and queues.
 *
 * Port of CPython 3.13 Lib/asyncio/mixins.py `_LoopBoundMixin._get_loop`:
 * an object binds to the running loop the first time a task waits on it,
 * and another loop after that is refused.
 *
 * @module
 */

import { RuntimeError } from "./errors.js";
import type { EventLoop } from "./loop/event-loop.js";
import { getRunningLoop } from "./loop/running-loop.js";

/**
 * @internal The running loop, which `owner` (bound to `bound`, if any)
 * binds to; a RuntimeError naming `owner` and ending with `advice` for
 * another loop.
 */
export function _loopFor(owner: object, bound: EventLoop | undefined, advice: string): EventLoop {
  const loop = getRunningLoop();
  if (bound !== undefined && bound !== loop) {
    throw new RuntimeError(`${String(owner)} is bound to a different event loop: ${advice}`);
  }
  return loop;
}
