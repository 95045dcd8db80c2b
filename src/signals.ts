/**
 * SIGINT (Ctrl-C) while `run()` is active: the first cancels the main task,
 * so its `finally` blocks run, and `run()` rejects with KeyboardInterrupt; a
 * second exits at once with code 130.
 *
 * Port of CPython 3.13 Lib/asyncio/runners.py `Runner._on_sigint`. Differs:
 * Node has no default SIGINT handler to compare with, so ours is installed
 * only in the main thread and only when nobody else listens for SIGINT; a
 * second Ctrl-C calls process.exit(130) instead of raising KeyboardInterrupt
 * wherever the code happens to be.
 *
 * @module
 */

import { KeyboardInterrupt } from "./errors.js";
import type { Task } from "./tasks/task.js";

/** @internal Installs the handler for one run; returns a function that removes it. */
export function _installSigint(mainTask: Task<unknown>, state: { interrupts: number }): (() => void) | undefined {
  if (!process.getBuiltinModule("node:worker_threads").isMainThread || process.listenerCount("SIGINT") > 0)
    return undefined;
  const onSigint = (): void => {
    state.interrupts++;
    if (state.interrupts === 1 && !mainTask.done()) {
      mainTask.cancel();
      return;
    }
    process.exit(130);
  };
  process.on("SIGINT", onSigint);
  return () => process.removeListener("SIGINT", onSigint);
}

let exitCodeHooked = false;
let unhandledInterrupt = false;

/**
 * @internal A KeyboardInterrupt that no one catches ends the process with
 * code 130, as a shell expects after Ctrl-C, instead of Node's 1.
 */
export function _exitWith130IfUncaught(): void {
  if (exitCodeHooked) return;
  exitCodeHooked = true;
  process.on("uncaughtExceptionMonitor", (err) => {
    if (err instanceof KeyboardInterrupt) unhandledInterrupt = true;
  });
  process.on("exit", (code) => {
    if (unhandledInterrupt && code === 1) process.exitCode = 130;
  });
}
