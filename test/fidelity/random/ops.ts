/**
 * The op language of the random differential tests: a program is a list of
 * procedures (coroutines), each a list of statements, written as JSON. The
 * same JSON is run by interp.py under CPython 3.13 and by interp.ts under
 * asyncio-ts; both print one line per step, in the same canonical form.
 *
 * Names: `p<i>` is procedure i (p0 is the main task's body), `t<i>` the Task
 * that a `spawn` statement made of procedure i, `g<n>` a gather, `f<n>` a
 * Future. Durations are in ticks (`k * tick` seconds; k is a whole number,
 * or with jitter a multiple of 1/64); printed times (`@k`) are in ticks too.
 *
 * @module
 */

/** Something a statement waits for or passes on. */
export type Target =
  | { t: string } // a task variable, t<i>
  | { f: string } // a Future variable, f<n>
  | { p: number }; // procedure p, called here (an unstarted coroutine / async function)

/** What a Future is completed with. */
export type Outcome = { result: number } | { error: string };

/** How a `try` statement handles what its block raises. */
export type CancelMode = "none" | "print-reraise" | "print-swallow" | "uncancel-swallow";
export type ErrorMode = "none" | "print-reraise" | "print-swallow";

/** One statement; every step prints a line (see interp.py for the exact text). */
export type Stmt =
  | { op: "sleep"; k: number }
  | { op: "spawn"; p: number }
  | { op: "await"; v: string }
  | { op: "cancel"; v: string; msg: string | null } // v may be "self"
  | { op: "uncancel"; v: string } // a task variable or "self"
  | { op: "cancelling"; v: string }
  | { op: "state"; v: string }
  | { op: "gather"; g: string; items: Target[]; rx: boolean }
  | { op: "waitFor"; target: Target; k: number | null }
  | { op: "timeout"; k: number | null; body: Stmt[] }
  | { op: "shield"; target: Target }
  | { op: "wait"; vs: string[]; when: "FIRST_COMPLETED" | "FIRST_EXCEPTION" | "ALL_COMPLETED"; k: number | null }
  | { op: "future"; f: string; after: number | null; outcome: Outcome } // settled by call_soon (null) or call_later
  | { op: "setFut"; f: string; outcome: Outcome }
  | { op: "doneCb"; v: string }
  | { op: "raise"; msg: string }
  // fin: no finally clause (null), or one that prints and runs its statements.
  | { op: "try"; body: Stmt[]; onCancel: CancelMode; onError: ErrorMode; fin: Stmt[] | null };

/** A procedure; it returns its own index. */
export interface Proc {
  body: Stmt[];
}

/** A whole program. */
export interface Program {
  seed: number;
  /** Seconds per tick. */
  tick: number;
  procs: Proc[];
}

/** What one interpreter printed for one program. */
export interface Trace {
  seed: number;
  lines: string[];
  /**
   * Set by the Python side when the program's output does not depend only
   * on what asyncio specifies (timers due at the same instant left CPython's
   * heap out of scheduling order), or when it cannot finish (deadlock).
   */
  skip?: string;
}
