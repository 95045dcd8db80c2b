/**
 * docs/debugging.md's walkthrough, run for real: examples/debugging/lock-hang
 * hangs on a Lock; `asyncio-ts pstree` and `ps` must print what the page
 * shows, and the trace written at Ctrl-C must tell the story the page reads
 * from the timeline (writer-1 takes the lock and finishes; writer-2 waits
 * on Lock.acquire() until it is cancelled).
 */
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const program = join(root, "build/examples/debugging/lock-hang.js");
const cli = join(root, "dist/cli.js");
const page = readFileSync(join(root, "docs/debugging.md"), "utf8");

/** The output the page shows after `$ <command>`, in the code block where the command is. */
function shownOutput(command: string): string {
  const start = page.indexOf(`$ ${command}`);
  assert.ok(start >= 0, `docs/debugging.md shows "$ ${command}"`);
  const from = page.indexOf("\n", start) + 1;
  return page.slice(from, page.indexOf("```", from)).trimEnd();
}

const trimLines = (text: string): string =>
  text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trimEnd();

interface TraceEvent {
  ph: string;
  name: string;
  cat?: string;
  tid: number;
  pid: number;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

function startHang(t: TestContext, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [program], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  // A safety net only, so that a hung child fails the test instead of hanging it.
  const safety = setTimeout(() => child.kill("SIGKILL"), 60_000);
  t.after(() => {
    clearTimeout(safety);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr!.resume();
  return { child, output: () => out };
}

describe("docs/debugging.md: the walkthrough of a task stuck on a Lock", () => {
  it("shows the tree and table that pstree and ps print, and the trace tells writer-1 took the lock and finished", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-walkthrough-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const tracePath = join(dir, "hang.json");
    const env = { ...process.env, TMPDIR: dir, ASYNCIO_TS_INSPECT: "1", ASYNCIO_TS_TRACE: tracePath };
    const { child, output } = startHang(t, env);
    const exited = once(child, "close");

    // The two lines the page shows, then the state it shows: writer-1 done,
    // writer-2 waiting on the lock. pstree is asked until it shows that
    // state (writer-2 may still be in its step right after its line).
    while (!output().includes("writer-2 saved c\n")) await once(child.stdout!, "data");
    const pid = child.pid!;
    assert.equal(output(), `pid ${pid}\nwriter-1 saved a\nwriter-2 saved c\n`);
    const run = async (...args: string[]): Promise<string> =>
      (await promisify(execFile)(process.execPath, [cli, ...args], { env })).stdout;
    let tree = "";
    const settled = (): boolean => tree.includes("Lock.acquire()") && !tree.includes("writer-1");
    for (let i = 0; i < 200 && !settled(); i++) tree = await run("pstree", String(pid));
    assert.equal(tree.trimEnd(), shownOutput("npx asyncio-ts pstree 13988"));
    // Task ids are numbered as dumps first meet the tasks: the pstree calls
    // above may have met writer-1.
    const ids = (text: string): string => trimLines(text).replace(/0x[1-9a-f][0-9a-f]*/g, "0xID");
    assert.equal(ids(await run("ps", String(pid))), ids(shownOutput("npx asyncio-ts ps 13988")));

    // Ctrl-C: run() cancels the tasks and writes the trace.
    child.kill("SIGINT");
    await exited;
    const events = (JSON.parse(readFileSync(tracePath, "utf8")) as { traceEvents: TraceEvent[] }).traceEvents;
    const tid = (name: string): number =>
      events.find(
        (e) => e.ph === "M" && e.name === "thread_name" && (e.args!["name"] as string).startsWith(`${name} `),
      )!.tid;
    const writer1 = events.filter((e) => e.tid === tid("writer-1") && e.pid === 1);
    const writer2 = events.filter((e) => e.tid === tid("writer-2") && e.pid === 1);
    const waits = (track: TraceEvent[]): TraceEvent[] => track.filter((e) => e.ph === "X" && e.cat === "wait");
    const ended = (track: TraceEvent[], state: string): TraceEvent =>
      track.find((e) => e.ph === "i" && e.cat === "task" && e.name === state)!;

    // writer-1: its last wait is for the lock, and it finishes in the step after it.
    const lastWait1 = waits(writer1).at(-1)!;
    assert.equal(lastWait1.name, "Lock.acquire()");
    const finished = ended(writer1, "finished");
    assert.ok(finished, "writer-1 finished");
    assert.ok(lastWait1.ts! + lastWait1.dur! <= finished.ts!);
    // writer-2: waits for the lock from then on, until the cancel at Ctrl-C.
    const lastWait2 = waits(writer2).at(-1)!;
    assert.equal(lastWait2.name, "Lock.acquire()");
    // It released the lock to writer-1, and asked for it again at once.
    const end1 = lastWait1.ts! + lastWait1.dur!;
    assert.ok(
      lastWait1.ts! < lastWait2.ts! && lastWait2.ts! <= end1,
      "writer-2's last wait begins as writer-1 gets the lock",
    );
    const cancel = writer2.find((e) => e.ph === "i" && e.name === "cancel requested")!;
    assert.ok(cancel, "writer-2 is cancelled");
    assert.ok(cancel.ts! >= lastWait2.ts!);
    assert.ok(ended(writer2, "cancelled"));

    // The page's line for the timeline command.
    const rendered = await promisify(execFile)(process.execPath, [cli, "trace", "hang.json"], { cwd: dir });
    assert.equal(rendered.stdout.trimEnd(), shownOutput("npx asyncio-ts trace hang.json"));
  });
});
