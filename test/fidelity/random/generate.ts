/**
 * A seeded generator of random programs in the op language of ops.ts.
 *
 * Every program terminates: procedures form a tree (each is called or
 * spawned from one place), a procedure waits only for tasks of procedures
 * with a higher index, and every Future gets a timer that settles it.
 *
 * @module
 */
import type { CancelMode, ErrorMode, Outcome, Program, Stmt, Target } from "./ops.js";

/** mulberry32: a small seeded PRNG, the same sequence on every platform. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** One of the keys, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let r = this.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
}

/** Generator settings. */
export interface GenOptions {
  /** Seconds per tick: 0.125 keeps every deadline exact in binary floating point. */
  tick?: number;
  maxProcs?: number;
  maxDepth?: number;
  maxBlock?: number;
  /**
   * Adds a multiple of 1/64 tick to every duration, so that fewer timers
   * fall due at the same instant (CPython runs those in heap order).
   */
  jitter?: boolean;
  /**
   * Statement kinds never to generate (keys of the weights in `stmt`);
   * also "sleep0" for sleep(0), and "returnExceptions" for gather's option.
   */
  exclude?: readonly string[];
}

// A reference left open while the procedures are generated, resolved once
// every spawned procedure, gather and Future is known.
type Ref = "wait-on" | "any" | "task" | "future";
const OPEN = "?";

interface Pending {
  owner: number;
  ref: Ref;
  set: (v: string | undefined) => void;
}

/** The program of `seed`. */
export function generate(seed: number, options: GenOptions = {}): Program {
  const rng = new Rng(seed);
  const tick = options.tick ?? 0.125;
  const maxProcs = options.maxProcs ?? 9;
  const maxDepth = options.maxDepth ?? 3;
  const maxBlock = options.maxBlock ?? 5;
  const procs: { body: Stmt[] }[] = [];
  const spawned: number[] = [];
  const gathers: string[] = [];
  const futures: string[] = [];
  const pending: Pending[] = [];
  let counter = 0;
  const fresh = (): number => ++counter;
  const exclude = new Set(options.exclude ?? []);
  const jitter = (n: number): number => (options.jitter && n > 0 ? n - 1 + rng.int(1, 127) / 64 : n);
  const k = (): number => jitter(rng.pick(exclude.has("sleep0") ? [1, 1, 1, 2, 2, 3, 4] : [0, 0, 1, 1, 1, 2, 2, 3, 4]));
  const kOrNull = (): number | null => (rng.chance(0.15) ? null : k());
  const msg = (): string | null => (rng.chance(0.3) ? null : `m${fresh()}`);
  const outcome = (): Outcome => (rng.chance(0.7) ? { result: 100 + fresh() } : { error: `x${fresh()}` });

  const open = (owner: number, ref: Ref, set: (v: string | undefined) => void): string => {
    pending.push({ owner, ref, set });
    return OPEN;
  };

  const newProc = (depth: number): number => {
    const idx = procs.length;
    const proc = { body: [] as Stmt[] };
    procs.push(proc);
    if (idx === 0) {
      // The main task's body is longer, and starts tasks first, so that
      // the later statements find them.
      for (let i = rng.int(1, 3); i > 0; i--) {
        const p = newProc(depth + 1);
        spawned.push(p);
        proc.body.push({ op: "spawn", p });
      }
      proc.body.push(...block(idx, depth, rng.int(3, maxBlock + 3)));
    } else {
      proc.body = block(idx, depth, rng.int(1, maxBlock));
    }
    return idx;
  };

  const canMakeProc = (): boolean => procs.length < maxProcs;

  const target = (owner: number, depth: number, procOk: boolean): Target => {
    if (procOk && canMakeProc() && rng.chance(0.45)) return { p: newProc(depth + 1) };
    const tg: { t?: string; f?: string } = {};
    open(owner, "wait-on", (v) => {
      if (v === undefined) tg.f = "f0";
      else if (v.startsWith("t")) tg.t = v;
      else tg.f = v;
    });
    return tg as Target;
  };

  const block = (owner: number, depth: number, n: number): Stmt[] => {
    const out: Stmt[] = [];
    for (let i = 0; i < n; i++) out.push(stmt(owner, depth));
    return out;
  };

  const stmt = (owner: number, depth: number): Stmt => {
    const nest = depth < maxDepth;
    const main = owner === 0;
    const weights = {
      sleep: 22,
      spawn: canMakeProc() ? (main ? 30 : 12) : 0,
      await: 12,
      cancel: 10,
      cancelSelf: main ? 1 : 3,
      uncancel: 3,
      cancelling: 2,
      state: 4,
      gather: 6,
      waitFor: 6,
      timeout: nest ? 6 : 0,
      shield: 4,
      wait: 4,
      future: 6,
      setFut: 3,
      doneCb: 3,
      raise: main ? 0.5 : 3,
      try: nest ? 12 : 0,
    };
    for (const key of exclude) if (key in weights) weights[key as keyof typeof weights] = 0;
    const op = rng.weighted(weights);
    switch (op) {
      case "sleep":
        return { op: "sleep", k: k() };
      case "spawn": {
        const p = newProc(depth + 1);
        spawned.push(p);
        return { op: "spawn", p };
      }
      case "await": {
        const s: Stmt = { op: "await", v: OPEN };
        // Nothing to wait for (f0 is never set): prints "unset".
        open(owner, "wait-on", (v) => (s.v = v ?? "f0"));
        return s;
      }
      case "cancel": {
        const s: Stmt = { op: "cancel", v: OPEN, msg: msg() };
        open(owner, "any", (v) => (s.v = v ?? "self"));
        return s;
      }
      case "cancelSelf":
        return { op: "cancel", v: "self", msg: msg() };
      case "uncancel":
      case "cancelling": {
        const s: { op: typeof op; v: string } = { op, v: "self" };
        if (rng.chance(0.5)) open(owner, "task", (v) => (s.v = v ?? "self"));
        return s;
      }
      case "state": {
        const s: Stmt = { op: "state", v: OPEN };
        open(owner, "any", (v) => (s.v = v ?? "t0"));
        return s;
      }
      case "gather": {
        const g = `g${gathers.length + 1}`;
        gathers.push(g);
        const items: Target[] = [];
        for (let i = rng.int(0, 3); i > 0; i--) items.push(target(owner, depth, true));
        const rx = rng.chance(0.5);
        return { op: "gather", g, items, rx: exclude.has("returnExceptions") ? false : rx };
      }
      case "waitFor":
        return { op: "waitFor", target: target(owner, depth, true), k: kOrNull() };
      case "timeout":
        return { op: "timeout", k: kOrNull(), body: block(owner, depth + 1, rng.int(1, 3)) };
      case "shield":
        return { op: "shield", target: target(owner, depth, true) };
      case "wait": {
        const s: Stmt = {
          op: "wait",
          vs: [],
          when: rng.pick(["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"] as const),
          k: rng.chance(0.5) ? null : k(),
        };
        for (let i = rng.int(1, 3); i > 0; i--) {
          open(owner, "wait-on", (v) => {
            if (v !== undefined && !s.vs.includes(v)) s.vs.push(v);
          });
        }
        return s;
      }
      case "future": {
        const f = `f${futures.length + 1}`;
        futures.push(f);
        return { op: "future", f, after: rng.chance(0.25) ? null : k(), outcome: outcome() };
      }
      case "setFut": {
        const s: Stmt = { op: "setFut", f: OPEN, outcome: outcome() };
        open(owner, "future", (v) => (s.f = v ?? "f0"));
        return s;
      }
      case "doneCb": {
        const s: Stmt = { op: "doneCb", v: OPEN };
        open(owner, "any", (v) => (s.v = v ?? "t0"));
        return s;
      }
      case "raise":
        return { op: "raise", msg: `e${fresh()}` };
      case "try":
        return {
          op: "try",
          body: block(owner, depth + 1, rng.int(1, 3)),
          onCancel: rng.pick<CancelMode>([
            "none",
            "print-reraise",
            "print-reraise",
            "print-swallow",
            "uncancel-swallow",
          ]),
          onError: rng.pick<ErrorMode>(["none", "print-reraise", "print-swallow", "print-swallow"]),
          fin: rng.chance(0.3) ? (nest && rng.chance(0.5) ? block(owner, depth + 1, rng.int(1, 2)) : []) : null,
        };
    }
  };

  newProc(0); // p0, the main task's body
  for (const { owner, ref, set } of pending) {
    // A procedure waits only for tasks of later procedures: no cycles.
    const later = spawned.filter((j) => j > owner).map((j) => `t${j}`);
    const tasks = ["t0", ...spawned.map((j) => `t${j}`)];
    const choices =
      ref === "wait-on"
        ? [...later, ...futures]
        : ref === "task"
          ? tasks
          : ref === "future"
            ? futures
            : [...tasks, ...gathers, ...futures];
    set(choices.length === 0 ? undefined : rng.pick(choices));
  }
  return { seed, tick, procs };
}
