/**
 * Helpers for tests: run a program on a loop with a VirtualClock. Whenever
 * the loop has nothing ready to run (once the promise jobs pending then are
 * done), time jumps to the next timer's deadline, so timing assertions are
 * exact and no test waits on the wall clock. The clock waits for nothing
 * outside the loop: while a task awaits a worker thread, `sleep(100)` in
 * another task ends at once, at loop time 100.
 *
 * CPython 3.13's tests get virtual time from TestLoop
 * (Lib/test/test_asyncio/utils.py), whose generator is sent the deadline of
 * each timer scheduled and answers how far to advance; here time always goes
 * straight to the next deadline, and a test that moves it otherwise (where
 * CPython's test blocks the loop with time.sleep) calls `clock.advance()`.
 */
import { EventLoop, VirtualClock, run, type Main, type RunOptions } from "asyncio-ts";

/**
 * run(main, options) on a fresh loop with a fresh virtual clock, starting at
 * 0; returns what `main` returns. `options` are run()'s but `loopFactory`.
 */
export async function runVirtual<T>(main: Main<T>, options: Omit<RunOptions, "loopFactory"> = {}): Promise<Awaited<T>> {
  const clock = new VirtualClock();
  return run(main, { ...options, loopFactory: () => new EventLoop({ clock }) });
}

/**
 * A virtual clock and a run() `loopFactory` whose loops read it, for tests
 * that read or advance the clock themselves: `run(main, { loopFactory })`.
 */
export function virtualClock(): { clock: VirtualClock; loopFactory: () => EventLoop } {
  const clock = new VirtualClock();
  return { clock, loopFactory: () => new EventLoop({ clock }) };
}
