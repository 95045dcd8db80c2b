/**
 * Fidelity twins: one program written twice, in Python for CPython 3.13 and
 * in TypeScript for asyncio-ts, must print the same lines.
 *
 * The Python program runs under `PYENV_VERSION=3.13.0 python3` from the
 * package root (it may sleep on the real clock, briefly); the TypeScript
 * program runs on a virtual clock (runVirtual). A test also writes CPython's
 * output as a literal list, so it documents the trace and fails if the
 * Python program stops showing it.
 *
 * Both sides print with Python's `print` conventions: parts joined by one
 * space, `True`/`False` for booleans, `None` for undefined and null.
 * A CancelledError is never printed as a repr; both sides print its message
 * quoted, as `a: cancelled 'stop'` (see {@link quoted}).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { inspect, promisify } from "node:util";
import type { ExceptionContext } from "asyncio-ts";
import { runAndCollectReports } from "../support/reports.js";

const exec = promisify(execFile);
// build/test/fidelity/twin.js -> the package root.
const root = fileURLToPath(new URL("../../..", import.meta.url));

/** Python's `print`: parts joined by spaces. */
export type Print = (...parts: unknown[]) => void;

/** One program, twice. */
export interface Twin {
  /**
   * The Python program: its text (indented as a TypeScript template, the
   * common indent is removed), or `python/<name>.py` for a file in
   * test/fidelity/python/.
   */
  python: string;
  /** What CPython 3.13 prints, line by line. */
  expected: readonly string[];
  /** The TypeScript program: run as the main task of a virtual-clock run. */
  ts: (print: Print) => Promise<void>;
  /**
   * Runs after the loop is closed, as code after `asyncio.run()` does in
   * Python; gets what reached the loop's exception handler during the run.
   * Without it, every such report becomes a line `!! reported: <message>`,
   * which the Python side never prints.
   */
  after?: (print: Print, reports: readonly ExceptionContext[]) => void;
}

/** Runs both programs; asserts CPython prints `expected` and asyncio-ts the same. */
export async function twin(program: Twin): Promise<void> {
  const py = await pythonLines(program.python);
  assert.deepEqual(py, program.expected, "CPython 3.13 printed something else than the test expects");
  const ts = await tsLines(program.ts, program.after);
  assert.deepEqual(ts, py, "asyncio-ts printed something else than CPython 3.13");
}

/** A CancelledError's (or any error's) message, quoted as Python's repr of a str: `'stop'`. */
export function quoted(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `'${message.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** One part of a line, as Python's `str()` shows it. */
export function pyStr(part: unknown): string {
  if (part === true) return "True";
  if (part === false) return "False";
  if (part === undefined || part === null) return "None";
  if (typeof part === "string") return part;
  if (typeof part === "number" || typeof part === "bigint") return String(part);
  return inspect(part);
}

/** The lines printed by the TypeScript program; a throw ends them with `!! threw <error>`. */
export async function tsLines(
  main: (print: Print) => Promise<void>,
  after?: (print: Print, reports: readonly ExceptionContext[]) => void,
): Promise<string[]> {
  const lines: string[] = [];
  const print: Print = (...parts) => {
    lines.push(parts.map(pyStr).join(" "));
  };
  let reports: ExceptionContext[];
  try {
    reports = await runAndCollectReports(() => main(print));
  } catch (err) {
    lines.push(`!! threw ${err instanceof Error ? `${err.name}: ${err.message}` : inspect(err)}`);
    return lines;
  }
  if (after !== undefined) after(print, reports);
  else for (const report of reports) lines.push(`!! reported: ${report.message}`);
  return lines;
}

const pythonOutputs = new Map<string, Promise<string[]>>();

/**
 * The lines printed by a Python program under CPython 3.13 (run once per
 * program text and cached: several TypeScript variants may share one).
 */
export function pythonLines(python: string): Promise<string[]> {
  let lines = pythonOutputs.get(python);
  if (lines === undefined) {
    lines = runPython(python);
    pythonOutputs.set(python, lines);
  }
  return lines;
}

async function runPython(python: string): Promise<string[]> {
  const source = /^python\/[\w-]+\.py$/.test(python)
    ? await readFile(new URL(`test/fidelity/${python}`, `file://${root}`), "utf8")
    : dedent(python);
  // The version check is part of the program, so a wrong interpreter fails
  // the test instead of printing another version's trace.
  const program = `import sys\nassert sys.version_info[:2] == (3, 13), "CPython 3.13 expected, got " + sys.version\n${source}`;
  let out: { stdout: string; stderr: string };
  try {
    out = await exec("python3", ["-c", program], {
      cwd: root,
      env: { ...process.env, PYENV_VERSION: "3.13.0" },
      timeout: 30_000,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    assert.fail(
      `cannot run the Python twin under PYENV_VERSION=3.13.0 python3 (${e.code ?? e.message}): ` +
        `install CPython 3.13.0 with pyenv.\nstdout:\n${e.stdout ?? ""}\nstderr:\n${e.stderr ?? ""}`,
    );
  }
  assert.equal(out.stderr, "", "the Python twin wrote to stderr");
  return out.stdout.split("\n").slice(0, -1); // Every line ends with "\n".
}

/** Removes the indent common to the non-blank lines, and leading blank lines. */
export function dedent(text: string): string {
  const lines = text.replace(/^\s*\n/, "").split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join("\n");
}
