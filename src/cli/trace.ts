/**
 * `asyncio-ts trace <trace.json> [-o <out.html>]`: renders a trace file,
 * as `run(main, { trace })` writes it, as a timeline in one self-contained
 * HTML page (src/cli/timeline.ts).
 *
 * @module
 */

import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { TraceFileError, readTimeline, renderTimeline } from "./timeline.js";

export const HELP = `usage: asyncio-ts trace <trace.json> [-o <out.html>]

Renders a trace file, as run(main, { trace: "trace.json" }) writes it, as a
timeline: one HTML page that needs nothing else (no network), to open in a
browser. Each task is a row, labelled with its name and coroutine: its steps
(its code running) are dark bars, its waits light bars labelled with what it
awaits. Worker-thread jobs are rows of their own below the tasks. Arrows show
which task created or cancelled which, and jobs going to a worker and back.
Hover over a bar for its times and details; zoom with the buttons, Ctrl+wheel
or the wheel over the time axis; drag to pan.

options:
  -o, --output <file>  where to write the page; by default next to the trace
                       file, with .html for its extension (trace.json ->
                       trace.html)
  -h, --help           show this help`;

const FS_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
  ENOTDIR: "a part of the path is not a directory",
};

/** "no such file", or the error's message. */
const reason = (error: unknown): string =>
  FS_ERRORS[(error as NodeJS.ErrnoException).code ?? ""] ?? (error as Error).message;

/** The page's default path: the trace file's, with .html for its extension. */
export function defaultOutput(input: string): string {
  const ext = extname(input);
  return `${ext === "" ? input : input.slice(0, -ext.length)}.html`;
}

/** Runs the command with the arguments after `trace`; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const fail = (message: string, code = 1): number => {
    console.error(`asyncio-ts trace: ${message}`);
    return code;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { output: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${HELP}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    const problem =
      positionals.length === 0 ? "no trace file given" : `one trace file at a time, not ${positionals.length}`;
    return fail(`${problem}\n\n${HELP}`, 2);
  }
  const input = positionals[0]!;
  const output = values.output ?? defaultOutput(input);
  if (output === "") return fail("-o needs a file name", 2);

  let text: string;
  try {
    text = readFileSync(input, "utf8");
  } catch (error) {
    return fail(`cannot read ${input}: ${reason(error)}`);
  }
  let timeline;
  try {
    timeline = readTimeline(text, input);
  } catch (error) {
    if (error instanceof TraceFileError) return fail(error.message);
    throw error;
  }
  if (sameFile(input, output))
    return fail(`the page would overwrite the trace file ${input}: give another name with -o`);
  try {
    writeFileSync(output, renderTimeline(timeline));
  } catch (error) {
    return fail(`cannot write ${output}: ${reason(error)}`);
  }
  const tasks = timeline.rows.filter((row) => row.kind === "task").length;
  const workers = timeline.rows.length - tasks;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  console.log(`wrote ${output}: ${plural(tasks, "task")}, ${plural(workers, "worker thread")}`);
  return 0;
}

/** Whether two paths name the same file (the second may not exist yet). */
function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}
