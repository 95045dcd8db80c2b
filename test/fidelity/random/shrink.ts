/**
 * Shrinks a mismatching program: tries every one-step simplification
 * (drop a statement, unwrap a try or timeout block, drop a gather item,
 * shorten a duration), keeps the first that still mismatches, and repeats.
 *
 * @module
 */
import { compare, type Mismatch } from "./compare.js";
import type { Program, Stmt } from "./ops.js";

function clone(p: Program): Program {
  return JSON.parse(JSON.stringify(p)) as Program;
}

/** Every program one simplification away from `program`. */
export function simplifications(program: Program): Program[] {
  const out: Program[] = [];
  // Visit each block; `edit` gets a fresh copy and the same block in it.
  const blocks: ((p: Program) => Stmt[])[] = [];
  const walk = (get: (p: Program) => Stmt[], stmts: Stmt[]): void => {
    blocks.push(get);
    stmts.forEach((s, i) => {
      if (s.op === "try" || s.op === "timeout") walk((p) => (get(p)[i] as { body: Stmt[] }).body, s.body);
      if (s.op === "try" && s.fin !== null) walk((p) => (get(p)[i] as { fin: Stmt[] }).fin, s.fin);
    });
  };
  program.procs.forEach((proc, i) => walk((p) => p.procs[i]!.body, proc.body));
  for (const get of blocks) {
    const stmts = get(program);
    stmts.forEach((s, i) => {
      const drop = clone(program);
      get(drop).splice(i, 1);
      out.push(drop);
      if (s.op === "try" || s.op === "timeout") {
        const unwrap = clone(program);
        get(unwrap).splice(i, 1, ...s.body);
        out.push(unwrap);
      }
      if (s.op === "try") {
        for (const change of [{ fin: null }, { onCancel: "none" }, { onError: "none" }] as const) {
          const key = Object.keys(change)[0] as keyof typeof change;
          if (s[key] === change[key]) continue;
          const c = clone(program);
          Object.assign(get(c)[i]!, change);
          out.push(c);
        }
      }
      if (s.op === "gather") {
        s.items.forEach((_, j) => {
          const c = clone(program);
          (get(c)[i] as { items: unknown[] }).items.splice(j, 1);
          out.push(c);
        });
      }
      if (
        (s.op === "sleep" || s.op === "waitFor" || s.op === "timeout" || s.op === "wait") &&
        s.k !== null &&
        s.k > 0
      ) {
        const c = clone(program);
        (get(c)[i] as { k: number }).k = Math.max(0, Math.ceil(s.k) - 1);
        out.push(c);
      }
      if (s.op === "cancel" && s.msg !== null) {
        const c = clone(program);
        (get(c)[i] as { msg: string | null }).msg = null;
        out.push(c);
      }
    });
  }
  return out;
}

/** The smallest program reached from `m.program` that still mismatches. */
export async function shrink(m: Mismatch, log: (s: string) => void = () => {}): Promise<Mismatch> {
  let best = m;
  for (let round = 1; ; round++) {
    const candidates = simplifications(best.program);
    if (candidates.length === 0) return best;
    const result = await compare(candidates);
    const next = result.mismatches[0];
    if (next === undefined) return best;
    best = next;
    log(`shrink round ${round}: ${size(best.program)} statements`);
  }
}

/** How many statements a program has, nested ones included. */
export function size(program: Program): number {
  const count = (stmts: readonly Stmt[]): number =>
    stmts.reduce(
      (n, s) =>
        n +
        1 +
        (s.op === "try" || s.op === "timeout" ? count(s.body) : 0) +
        (s.op === "try" && s.fin !== null ? count(s.fin) : 0),
      0,
    );
  return program.procs.reduce((n, p) => n + count(p.body), 0);
}
