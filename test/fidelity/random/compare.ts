/**
 * Runs random programs under CPython 3.13 (interp.py, one process for a
 * whole batch) and under asyncio-ts (interp.ts, in this process), and
 * compares the traces line by line.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runProgram } from "./interp.js";
import type { Program, Stmt, Trace } from "./ops.js";

// build/test/fidelity/random/compare.js -> the package root.
const root = fileURLToPath(new URL("../../../..", import.meta.url));
const interpPy = `${root}test/fidelity/random/interp.py`;

/** The traces CPython 3.13 prints, in the order of `programs`. */
export function pythonTraces(programs: readonly Program[]): Promise<Trace[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [interpPy], {
      cwd: root,
      env: { ...process.env, PYENV_VERSION: "3.13.0" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`interp.py exited with ${code} (PYENV_VERSION=3.13.0 python3):\n${stderr}`));
        return;
      }
      const traces = stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Trace);
      if (traces.length !== programs.length) {
        reject(new Error(`interp.py answered ${traces.length} of ${programs.length} programs:\n${stderr}`));
        return;
      }
      resolve(traces);
    });
    child.stdin.end(programs.map((p) => JSON.stringify(p)).join("\n") + "\n");
  });
}

/** The traces asyncio-ts prints, one program after the other. */
export async function tsTraces(programs: readonly Program[]): Promise<Trace[]> {
  const out: Trace[] = [];
  for (const p of programs) out.push(await runProgram(p));
  return out;
}

/** Where two traces first differ. */
export interface Mismatch {
  program: Program;
  /** Index of the first differing line. */
  at: number;
  python: string[];
  ts: string[];
}

/** The outcome of comparing a batch. */
export interface Comparison {
  ran: number;
  skipped: { seed: number; why: string }[];
  mismatches: Mismatch[];
}

/** Runs every program on both sides and compares. */
export async function compare(programs: readonly Program[]): Promise<Comparison> {
  const py = await pythonTraces(programs);
  const result: Comparison = { ran: 0, skipped: [], mismatches: [] };
  const toRun: number[] = [];
  programs.forEach((p, i) => {
    if (py[i]!.skip !== undefined) result.skipped.push({ seed: p.seed, why: py[i]!.skip! });
    else toRun.push(i);
  });
  for (const i of toRun) {
    const program = programs[i]!;
    const ts = await runProgram(program);
    result.ran++;
    const at = firstDifference(py[i]!.lines, ts.lines);
    if (at !== -1) result.mismatches.push({ program, at, python: py[i]!.lines, ts: ts.lines });
  }
  return result;
}

/** Index of the first line that differs, or -1. */
export function firstDifference(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** A mismatch as text: the seed, the program, both traces around the first difference. */
export function describeMismatch(m: Mismatch, context = 6): string {
  const from = Math.max(0, m.at - context);
  const show = (lines: string[]): string =>
    lines
      .slice(from, m.at + 3)
      .map((l, i) => `${from + i === m.at ? ">" : " "} ${l}`)
      .join("\n");
  return [
    `seed ${m.program.seed}: first difference at line ${m.at + 1}`,
    `program: ${JSON.stringify(m.program)}`,
    `program text:\n${programText(m.program)}`,
    `CPython 3.13:\n${show(m.python)}`,
    `asyncio-ts:\n${show(m.ts)}`,
  ].join("\n");
}

/** A program as indented pseudo-Python, for reading a mismatch. */
export function programText(program: Program): string {
  const out: string[] = [];
  const tg = (t: { t?: string; f?: string; p?: number }): string =>
    t.p !== undefined ? `p${t.p}()` : (t.t ?? t.f ?? "?");
  const secs = (k: number | null): string => (k === null ? "None" : `${k}`);
  const emit = (stmts: readonly Stmt[], indent: string): void => {
    for (const s of stmts) {
      switch (s.op) {
        case "sleep":
          out.push(`${indent}sleep ${s.k}`);
          break;
        case "spawn":
          out.push(`${indent}t${s.p} = create_task(p${s.p}())`);
          break;
        case "await":
          out.push(`${indent}await ${s.v}`);
          break;
        case "cancel":
          out.push(`${indent}${s.v}.cancel(${s.msg === null ? "" : `'${s.msg}'`})`);
          break;
        case "uncancel":
        case "cancelling":
          out.push(`${indent}${s.v}.${s.op}()`);
          break;
        case "state":
          out.push(`${indent}print state of ${s.v}`);
          break;
        case "gather":
          out.push(
            `${indent}${s.g} = gather(${s.items.map(tg).join(", ")}${s.rx ? ", return_exceptions=True" : ""}); await ${s.g}`,
          );
          break;
        case "waitFor":
          out.push(`${indent}await wait_for(${tg(s.target)}, ${secs(s.k)})`);
          break;
        case "timeout":
          out.push(`${indent}async with timeout(${secs(s.k)}):`);
          emit(s.body, indent + "    ");
          break;
        case "shield":
          out.push(`${indent}await shield(${tg(s.target)})`);
          break;
        case "wait":
          out.push(`${indent}await wait({${s.vs.join(", ")}}, timeout=${secs(s.k)}, return_when=${s.when})`);
          break;
        case "future":
          out.push(
            `${indent}${s.f} = create_future(); ${s.after === null ? "call_soon" : `call_later(${s.after}`}, settle ${s.f} with ${JSON.stringify(s.outcome)})`,
          );
          break;
        case "setFut":
          out.push(`${indent}settle ${s.f} with ${JSON.stringify(s.outcome)}`);
          break;
        case "doneCb":
          out.push(`${indent}${s.v}.add_done_callback(print state)`);
          break;
        case "raise":
          out.push(`${indent}raise ValueError('${s.msg}')`);
          break;
        case "try":
          out.push(`${indent}try:`);
          emit(s.body, indent + "    ");
          if (s.onCancel !== "none") out.push(`${indent}except CancelledError: ${s.onCancel}`);
          if (s.onError !== "none") out.push(`${indent}except Exception: ${s.onError}`);
          if (s.fin !== null) {
            out.push(`${indent}finally:`);
            out.push(`${indent}    print`);
            emit(s.fin, indent + "    ");
          }
          break;
      }
    }
  };
  // Only the procedures that p0 reaches (a shrunk program leaves others).
  const reached = new Set<number>([0]);
  const visit = (stmts: readonly Stmt[]): void => {
    for (const s of stmts) {
      const called: (number | undefined)[] =
        s.op === "spawn"
          ? [s.p]
          : s.op === "gather"
            ? s.items.map((t) => ("p" in t ? t.p : undefined))
            : s.op === "waitFor" || s.op === "shield"
              ? ["p" in s.target ? s.target.p : undefined]
              : [];
      for (const p of called) {
        if (p !== undefined && !reached.has(p)) {
          reached.add(p);
          visit(program.procs[p]!.body);
        }
      }
      if (s.op === "try" || s.op === "timeout") visit(s.body);
      if (s.op === "try" && s.fin !== null) visit(s.fin);
    }
  };
  visit(program.procs[0]!.body);
  program.procs.forEach((p, i) => {
    if (!reached.has(i)) return;
    out.push(`async def p${i}():`);
    emit(p.body, "    ");
  });
  return out.join("\n");
}
