/**
 * Helpers for tests: run a program on a VirtualClock, so that time jumps to
 * the next timer when every task is blocked and nothing waits on the wall
 * clock (as CPython's tests use TestLoop).
 */
import { EventLoop, VirtualClock, run, type Main, type RunOptions } from "asyncio-ts";

/** Runs `main` on a fresh loop with a virtual clock; returns the result and the clock. */
export async function runVirtual<T>(main: Main<T>, options: Omit<RunOptions, "loopFactory"> = {}): Promise<Awaited<T>> {
  const clock = new VirtualClock();
  return run(main, { ...options, loopFactory: () => new EventLoop({ clock }) });
}

/** A virtual clock plus the run() options that use it. */
export function virtualClock(): { clock: VirtualClock; loopFactory: () => EventLoop } {
  const clock = new VirtualClock();
  return { clock, loopFactory: () => new EventLoop({ clock }) };
}
