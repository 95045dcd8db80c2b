/**
 * Runs random programs (the op language of ops.ts) under asyncio-ts, on a
 * virtual clock. Statement for statement the twin of interp.py, printing the
 * same text; keep the two equal.
 *
 * @module
 */
import {
  CancelledError,
  type Future,
  InvalidStateError,
  Task,
  TimeoutError,
  allTasks,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  isCancelled,
  shield,
  sleep,
  timeout,
  wait,
  waitFor,
} from "asyncio-ts";
import { runVirtual } from "../../support/virtual-loop.js";
import type { Outcome, Program, Stmt, Target, Trace } from "./ops.js";

/** Python's ValueError, the error programs raise. */
class ValueError extends Error {
  override readonly name = "ValueError";
}

// TimeoutError's message is asyncio-ts's own (docs/differences.md); CPython's is empty.
const MESSAGE_SHOWN = new Set(["CancelledError", "ValueError"]);

/** A value as both interpreters print it. */
export function fmt(x: unknown): string {
  if (x === undefined || x === null) return "None";
  if (x === true) return "True";
  if (x === false) return "False";
  if (typeof x === "number") return String(x);
  if (typeof x === "string") return `'${x}'`;
  if (Array.isArray(x)) return `[${x.map(fmt).join(", ")}]`;
  if (x instanceof Error) {
    const name = x instanceof CancelledError ? "CancelledError" : x instanceof TimeoutError ? "TimeoutError" : x.name;
    return MESSAGE_SHOWN.has(name) ? `${name}(${fmt(x.message)})` : `${name}(...)`;
  }
  return `<${typeof x}>`;
}

type Awaitable = Future<unknown>;

class Run {
  readonly lines: string[] = [];
  /** What reached the loop's exception handler. */
  readonly reports: string[] = [];
  readonly #tick: number;
  readonly #procs: Program["procs"];
  readonly #vars = new Map<string, Awaitable>();
  readonly #tasks = new Map<string, Task<unknown>>();
  /** The procedure each body given to gather, shield or waitFor runs. */
  readonly #bodies = new Map<unknown, number>();

  constructor(program: Program) {
    this.#tick = program.tick;
    this.#procs = program.procs;
  }

  pr(line: string): void {
    this.lines.push(line);
  }

  #now(): string {
    return fmt(getRunningLoop().time() / this.#tick);
  }

  #secs(k: number | null): number | null {
    return k === null ? null : k * this.#tick;
  }

  #describe(fut: Future<unknown>): string {
    let s: string;
    if (!fut.done()) s = "pending";
    else if (fut.cancelled()) s = "cancelled";
    else if (fut.exception() !== undefined) s = `raised ${fmt(fut.exception())}`;
    else s = `-> ${fmt(fut.result())}`;
    if (fut instanceof Task) s += ` cancelling=${fut.cancelling()}`;
    return s;
  }

  #nameOf(fut: Future<unknown>): string {
    for (const [k, v] of this.#vars) if (v === fut) return k;
    return "?";
  }

  async proc(p: number, ownTask: boolean): Promise<number> {
    const me = `p${p}`;
    if (ownTask && !this.#tasks.has(me)) this.#tasks.set(me, currentTask()!);
    try {
      await this.#block(this.#procs[p]!.body, me);
    } catch (err) {
      this.pr(`${me}: raised ${fmt(err)}`);
      throw err;
    }
    this.pr(`${me}: return ${p}`);
    return p;
  }

  #call(p: number, ownTask: boolean): () => Promise<number> {
    const body = (): Promise<number> => this.proc(p, ownTask);
    this.#bodies.set(body, p);
    return body;
  }

  /** What gather and shield take: a procedure becomes its own task there. */
  #target(tg: Target): Awaitable | (() => Promise<number>) | undefined {
    if ("p" in tg) return this.#call(tg.p, true);
    return this.#vars.get("t" in tg ? tg.t : tg.f);
  }

  /** What waitFor takes: a procedure runs inline in the waiting task. */
  #targetInline(tg: Target): Awaitable | (() => Promise<number>) | undefined {
    if ("p" in tg) return this.#call(tg.p, false);
    return this.#vars.get("t" in tg ? tg.t : tg.f);
  }

  #settle(fut: Future<unknown>, outcome: Outcome): void {
    if ("result" in outcome) fut.setResult(outcome.result);
    else fut.setException(new ValueError(outcome.error));
  }

  async #block(stmts: readonly Stmt[], me: string): Promise<void> {
    for (const s of stmts) await this.#stmt(s, me);
  }

  async #stmt(s: Stmt, me: string): Promise<void> {
    const loop = getRunningLoop();
    switch (s.op) {
      case "sleep": {
        await sleep(s.k * this.#tick);
        this.pr(`${me}: slept ${s.k} @${this.#now()}`);
        return;
      }
      case "spawn": {
        const p = s.p;
        const t = createTask(() => this.proc(p, true));
        this.#tasks.set(`p${p}`, t);
        this.#vars.set(`t${p}`, t);
        this.pr(`${me}: spawn t${p}`);
        return;
      }
      case "await": {
        const fut = this.#vars.get(s.v);
        if (fut === undefined) {
          this.pr(`${me}: await ${s.v} unset`);
          return;
        }
        const r = await fut;
        this.pr(`${me}: await ${s.v} -> ${fmt(r)} @${this.#now()}`);
        return;
      }
      case "cancel": {
        const fut = s.v === "self" ? currentTask() : this.#vars.get(s.v);
        if (fut === undefined) {
          this.pr(`${me}: cancel ${s.v} unset`);
          return;
        }
        const r = s.msg === null ? fut.cancel() : fut.cancel(s.msg);
        this.pr(`${me}: cancel ${s.v} -> ${fmt(r)}`);
        return;
      }
      case "uncancel":
      case "cancelling": {
        const t = s.v === "self" ? currentTask() : this.#vars.get(s.v);
        if (t === undefined) {
          this.pr(`${me}: ${s.op} ${s.v} unset`);
          return;
        }
        const task = t as Task<unknown>;
        const n = s.op === "uncancel" ? task.uncancel() : task.cancelling();
        this.pr(`${me}: ${s.op} ${s.v} -> ${n}`);
        return;
      }
      case "state": {
        const fut = this.#vars.get(s.v);
        this.pr(`${me}: ${s.v} ${fut === undefined ? "unset" : this.#describe(fut)}`);
        return;
      }
      case "gather": {
        const items = s.items.map((tg) => this.#target(tg)).filter((x) => x !== undefined);
        const g = gather(...items, { returnExceptions: s.rx });
        this.#vars.set(s.g, g);
        this.pr(`${me}: gather ${s.g} done=${fmt(g.done())}`);
        const r = await g;
        this.pr(`${me}: gather ${s.g} -> ${fmt(r)} @${this.#now()}`);
        return;
      }
      case "waitFor": {
        const x = this.#targetInline(s.target);
        if (x === undefined) {
          this.pr(`${me}: waitFor unset`);
          return;
        }
        const r = await waitFor(x, this.#secs(s.k));
        this.pr(`${me}: waitFor -> ${fmt(r)} @${this.#now()}`);
        return;
      }
      case "timeout": {
        const cm = await timeout(this.#secs(s.k), async (cm) => {
          await this.#block(s.body, me);
          return cm;
        });
        this.pr(`${me}: timeout block done expired=${fmt(cm.expired())} @${this.#now()}`);
        return;
      }
      case "shield": {
        const x = this.#target(s.target);
        if (x === undefined) {
          this.pr(`${me}: shield unset`);
          return;
        }
        const r = await shield(x);
        this.pr(`${me}: shield -> ${fmt(r)} @${this.#now()}`);
        return;
      }
      case "wait": {
        const fs = new Set(s.vs.filter((v) => this.#vars.has(v)).map((v) => this.#vars.get(v)!));
        if (fs.size === 0) {
          this.pr(`${me}: wait nothing`);
          return;
        }
        const [done, pending] = await wait(fs, { timeout: this.#secs(s.k), returnWhen: s.when });
        const d = [...done].map((f) => this.#nameOf(f)).sort();
        const p = [...pending].map((f) => this.#nameOf(f)).sort();
        this.pr(`${me}: wait -> done=[${d.join(", ")}] pending=[${p.join(", ")}] @${this.#now()}`);
        return;
      }
      case "future": {
        const fut = loop.createFuture<unknown>();
        this.#vars.set(s.f, fut);
        const name = s.f;
        const outcome = s.outcome;
        const cb = (): void => {
          if (fut.done()) {
            this.pr(`cb: ${name} already done`);
          } else {
            this.#settle(fut, outcome);
            this.pr(`cb: ${name} settled @${this.#now()}`);
          }
        };
        if (s.after === null) loop.callSoon(cb);
        else loop.callLater(s.after * this.#tick, cb);
        this.pr(`${me}: future ${name}`);
        return;
      }
      case "setFut": {
        const fut = this.#vars.get(s.f);
        if (fut === undefined) {
          this.pr(`${me}: set ${s.f} unset`);
          return;
        }
        try {
          this.#settle(fut, s.outcome);
          this.pr(`${me}: set ${s.f} ok`);
        } catch (err) {
          if (!(err instanceof InvalidStateError)) throw err;
          this.pr(`${me}: set ${s.f} ${fmt(err)}`);
        }
        return;
      }
      case "doneCb": {
        const fut = this.#vars.get(s.v);
        if (fut === undefined) {
          this.pr(`${me}: doneCb ${s.v} unset`);
          return;
        }
        const v = s.v;
        fut.addDoneCallback((f) => this.pr(`cb: ${v} ${this.#describe(f)}`));
        this.pr(`${me}: doneCb ${v}`);
        return;
      }
      case "raise":
        throw new ValueError(s.msg);
      case "try": {
        const { onCancel: oc, onError: oe } = s;
        try {
          await this.#block(s.body, me);
        } catch (err) {
          if (isCancelled(err)) {
            if (oc === "none") throw err;
            this.pr(`${me}: caught ${fmt(err)} cancelling=${currentTask()!.cancelling()}`);
            if (oc === "print-reraise") throw err;
            if (oc === "uncancel-swallow") this.pr(`${me}: uncancel -> ${currentTask()!.uncancel()}`);
          } else {
            if (oe === "none") throw err;
            this.pr(`${me}: caught ${fmt(err)}`);
            if (oe === "print-reraise") throw err;
          }
        } finally {
          if (s.fin !== null) {
            this.pr(`${me}: finally`);
            await this.#block(s.fin, me);
          }
        }
        return;
      }
    }
  }

  async main(): Promise<void> {
    getRunningLoop().setExceptionHandler((_loop, ctx) => this.reports.push(ctx.message));
    this.#vars.set("t0", currentTask()!);
    try {
      await this.proc(0, false);
    } finally {
      await this.#cleanup();
    }
  }

  async #cleanup(): Promise<void> {
    // Wait for every task still running, in a fixed order, then show how each ended.
    for (;;) {
      // Tasks that gather or shield made, not started yet, are known by their body.
      for (const t of allTasks()) {
        const known = this.#bodies.get(t.getCoro());
        if (known !== undefined && !t.done() && !this.#tasks.has(`p${known}`)) this.#tasks.set(`p${known}`, t);
      }
      const pending = [...this.#tasks]
        .sort((a, b) => Number(a[0].slice(1)) - Number(b[0].slice(1)))
        .map(([, t]) => t)
        .filter((t) => !t.done());
      if (pending.length === 0) break;
      try {
        await wait(pending);
      } catch (err) {
        if (!isCancelled(err)) throw err;
        this.pr(`p0: cancelled in cleanup ${fmt(err)}`);
      }
    }
    const keys = [...this.#vars.keys()].sort((a, b) =>
      a[0]! !== b[0]! ? (a[0]! < b[0]! ? -1 : 1) : Number(a.slice(1)) - Number(b.slice(1)),
    );
    for (const k of keys) if (k !== "t0") this.pr(`end: ${k} ${this.#describe(this.#vars.get(k)!)}`);
  }
}

/** Runs one program; its trace, as interp.py prints it. */
export async function runProgram(program: Program): Promise<Trace> {
  const r = new Run(program);
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };
  process.on("unhandledRejection", onRejection);
  try {
    await runVirtual(() => r.main());
    r.pr("run: returned");
  } catch (err) {
    r.pr(`run: raised ${fmt(err)}`);
  }
  // Unhandled rejections are reported after the microtasks of a macrotask.
  await new Promise<void>((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", onRejection);
  // Reported when the object is collected, or when the loop closes at the
  // latest; CPython reports when the object is freed. Both sides print the
  // reports after the run, sorted.
  for (const m of [...r.reports].sort()) r.pr(`report: ${m}`);
  for (const reason of rejections) r.pr(`!! unhandled rejection: ${fmt(reason)}`);
  return { seed: program.seed, lines: r.lines };
}
