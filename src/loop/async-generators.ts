/**
 * Async-generator finalization: generators first iterated by a task's code
 * while its loop runs are remembered, and `run()` closes those left open, so their `finally`
 * blocks run before it returns.
 *
 * Port of CPython 3.13's asyncgen hooks (sys.set_asyncgen_hooks, installed by
 * BaseEventLoop.run_forever) and `shutdown_asyncgens`. Differs: JavaScript has
 * no such hook, so while a loop runs, the `next` method of the async-generator
 * prototype is wrapped to see each generator's first iteration; the original
 * is restored when no loop runs. A generator dropped mid-iteration cannot be
 * closed by the garbage collector as in CPython; it is closed at shutdown.
 *
 * @module
 */

import { _getRunningLoop } from "./running-loop.js";
import { _runningHandles, _taskStorage } from "../core/step.js";

type NextFn = (this: AsyncGenerator, ...args: [] | [unknown]) => Promise<IteratorResult<unknown>>;

const proto = Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})())) as {
  next: NextFn;
};
const originalNext: NextFn = proto.next;
const seen = new WeakSet<AsyncGenerator>();
let users = 0;

function next(this: AsyncGenerator, ...args: [] | [unknown]): Promise<IteratorResult<unknown>> {
  if (!seen.has(this)) {
    seen.add(this);
    // Only generators iterated by a task's code: other code in the thread
    // (a test runner, a stream) may use async generators of its own.
    const loop = _getRunningLoop();
    if (
      loop !== undefined &&
      _taskStorage.getStore()?.getLoop() === loop &&
      !_runningHandles() &&
      loop._asyncgensOpen
    ) {
      const gens = loop._asyncgens;
      if (gens.size >= 1024 && (gens.size & (gens.size - 1)) === 0) {
        for (const ref of gens) if (ref.deref() === undefined) gens.delete(ref);
      }
      gens.add(new WeakRef(this));
    }
  }
  return originalNext.apply(this, args);
}
Object.defineProperty(next, "name", { value: "next" });

/** @internal Turns tracking on while at least one loop runs. */
export function _trackAsyncGenerators(on: boolean): void {
  if (on) {
    if (users++ === 0) proto.next = next;
  } else if (--users === 0) {
    proto.next = originalNext;
  }
}
