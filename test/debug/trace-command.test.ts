/**
 * `asyncio-ts trace`: the command's help, where it writes the page, and its
 * errors for a missing or malformed trace file. The page itself is tested in
 * a browser by timeline.test.ts.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readTimeline, renderTimeline } from "../../src/cli/timeline.js";
import { gatherTrace, toThreadTrace } from "../support/traces.js";

// The repository root: this file runs as build/test/debug/trace-command.test.js.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "dist", "cli.js");
const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-trace-command-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `asyncio-ts <args>` in `dir`. */
function asyncioTs(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: "utf8", timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes `text` (or `value` as JSON) to a file of `dir`; returns its name. */
function file(name: string, value: unknown): string {
  writeFileSync(join(dir, name), typeof value === "string" ? value : JSON.stringify(value));
  return name;
}

describe("asyncio-ts trace", () => {
  it("is listed in the command's help, and has its own", () => {
    const top = asyncioTs("--help");
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^ {2}trace <trace\.json> \[-o <out\.html>\] +render a trace file as an HTML timeline$/m);
    const help = asyncioTs("trace", "--help");
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^usage: asyncio-ts trace <trace\.json> \[-o <out\.html>\]$/m);
    assert.match(help.stdout, /run\(main, \{ trace: "trace\.json" \}\)/);
    assert.match(
      help.stdout,
      /-o, --output <file> +where to write the page; by default next to the trace\s+file, with \.html/,
    );
    assert.equal(asyncioTs("trace", "-h").stdout, help.stdout);
  });

  it("writes the page next to the trace file by default, with .html for .json", () => {
    mkdirSync(join(dir, "runs"), { recursive: true });
    file("runs/gather.json", gatherTrace());
    const result = asyncioTs("trace", "runs/gather.json");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "wrote runs/gather.html: 4 tasks, 0 worker threads\n");
    assert.match(readFileSync(join(dir, "runs/gather.html"), "utf8"), /^<!doctype html>/);

    file("run.trace", toThreadTrace());
    assert.equal(asyncioTs("trace", "run.trace").stdout, "wrote run.html: 1 task, 1 worker thread\n");
    file("noext", toThreadTrace());
    assert.equal(asyncioTs("trace", "noext").code, 0);
    assert.ok(existsSync(join(dir, "noext.html")));
  });

  it("writes the page where -o or --output says", () => {
    file("out.json", gatherTrace());
    for (const args of [["-o", "page-a.html"], ["--output", "page-b.html"], ["--output=page-c.html"]]) {
      const result = asyncioTs("trace", "out.json", ...args);
      assert.equal(result.code, 0, result.stderr);
      const page = args.at(-1)!.replace("--output=", "");
      assert.equal(result.stdout, `wrote ${page}: 4 tasks, 0 worker threads\n`);
      assert.ok(existsSync(join(dir, page)));
    }
  });

  it("fails with a message naming the file and what is wrong with it", () => {
    file("empty.json", "");
    file("broken.json", '{"traceEvents": [');
    file("other.json", { events: [] });
    file("bad-ts.json", {
      traceEvents: [
        { ph: "M", name: "process_name", pid: 1, tid: 0 },
        { ph: "X", pid: 1, tid: 1, dur: 5 },
      ],
    });
    file("bad-event.json", { traceEvents: [42] });
    file("no-tasks.json", { traceEvents: [{ ph: "X", cat: "gc", name: "gc", pid: 7, tid: 1, ts: 0, dur: 1 }] });
    file("page.html", gatherTrace());
    mkdirSync(join(dir, "a-dir.json"), { recursive: true });
    const cases: [string[], RegExp][] = [
      [["missing.json"], /^asyncio-ts trace: cannot read missing\.json: no such file$/],
      [["a-dir.json"], /^asyncio-ts trace: cannot read a-dir\.json: it is a directory$/],
      [
        ["empty.json"],
        /^asyncio-ts trace: empty\.json is empty: expected a trace written by run\(main, \{ trace \}\)$/,
      ],
      [["broken.json"], /^asyncio-ts trace: broken\.json is not valid JSON: .+$/],
      [
        ["other.json"],
        /^asyncio-ts trace: other\.json is not a trace file: expected a JSON object with a "traceEvents" array/,
      ],
      [
        ["bad-ts.json"],
        /^asyncio-ts trace: bad-ts\.json: traceEvents\[1\] \(ph "X"\) has a bad "ts": missing, expected a number/,
      ],
      [["bad-event.json"], /^asyncio-ts trace: bad-event\.json: traceEvents\[0\] is not an object: 42$/],
      [
        ["no-tasks.json"],
        /^asyncio-ts trace: no-tasks\.json has no asyncio-ts tasks: no events on the event loop's tracks/,
      ],
      [
        ["page.html"],
        /^asyncio-ts trace: the page would overwrite the trace file page\.html: give another name with -o$/,
      ],
      [
        ["out.json", "-o", "no/such/dir/page.html"],
        /^asyncio-ts trace: cannot write no\/such\/dir\/page\.html: no such file$/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = asyncioTs("trace", ...args);
      assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr.trimEnd(), message);
      assert.equal(result.stdout, "");
    }
  });

  it("fails with its usage when the arguments are wrong", () => {
    for (const [args, message] of [
      [[], /^asyncio-ts trace: no trace file given\n\nusage: asyncio-ts trace/],
      [["a.json", "b.json"], /^asyncio-ts trace: one trace file at a time, not 2\n\nusage:/],
      [["a.json", "--frobnicate"], /^asyncio-ts trace: Unknown option '--frobnicate'.*\n\nusage:/s],
      [["a.json", "-o"], /^asyncio-ts trace: Option '-o, --output <value>' argument missing\n\nusage:/],
    ] as [string[], RegExp][]) {
      const result = asyncioTs("trace", ...args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });
});

describe("the timeline page", () => {
  it("needs nothing from elsewhere: no URL to load, all inline, a policy that forbids loading", () => {
    const html = renderTimeline(readTimeline(JSON.stringify(toThreadTrace()), "trace.json"));
    assert.doesNotMatch(html, /\b(src|href)=|@import|url\((?!#)/);
    assert.deepEqual(html.match(/https?:\/\/[^"\s]*/g), Array(3).fill("http://www.w3.org/2000/svg"));
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; /);
  });

  it("keeps names as text: a name with </script> does not end the page's data", () => {
    const trace = gatherTrace() as { traceEvents: Record<string, unknown>[] };
    const coro = `</script><script>alert("x")</script>()`;
    for (const e of trace.traceEvents) if (e.cat === "task" && e.ph === "X") e.args = { ...(e.args as object), coro };
    const html = renderTimeline(readTimeline(JSON.stringify(trace), 'runs/"odd" <b>.json'));
    assert.equal(html.match(/<\/script>/g)?.length, 2);
    assert.match(html, /<h1 title="runs\/&quot;odd&quot; &lt;b&gt;\.json">&quot;odd&quot; &lt;b&gt;\.json<\/h1>/);
    const data = /<script type="application\/json" id="timeline-data">(.*?)<\/script>/s.exec(html)![1]!;
    const timeline = JSON.parse(data) as { rows: { coro: string }[] };
    assert.equal(timeline.rows[1]!.coro, coro);
  });

  it("reads rows, bars, marks and arrows from the trace, ignoring what it does not know", () => {
    const trace = toThreadTrace() as { traceEvents: Record<string, unknown>[] };
    trace.traceEvents.push(
      { ph: "X", cat: "gc", name: "gc", pid: 1, tid: 1, ts: 5, dur: 2 },
      { ph: "C", name: "counter", pid: 1, ts: 3, args: { n: 1 } },
      { ph: "s", cat: "create", id: 99, pid: 1, tid: 1, ts: 7 },
    );
    const timeline = readTimeline(JSON.stringify(trace), "t.json");
    assert.deepEqual(timeline.rows, [
      { kind: "task", tid: 1, name: "Task-1", coro: "main()", state: "finished" },
      { kind: "worker", tid: 1, name: "worker 1", coro: "", state: "" },
    ]);
    assert.deepEqual(
      timeline.items.map((item) => `${item.row} ${item.kind} ${item.name}`),
      [
        "0 task Task-1",
        "0 wait gather(2)",
        "0 step step",
        "0 step step",
        "1 job toThread job 1: work()",
        "0 mark created",
        "0 mark finished",
      ],
    );
    assert.deepEqual(timeline.flows, [
      { cat: "job", from: 0, to: 1, ts: 300, endTs: 2_600 },
      { cat: "job-done", from: 1, to: 0, ts: 2_002_900, endTs: 2_003_700 },
    ]);
    assert.equal(timeline.end, 2_004_300);
    assert.equal(timeline.producer, `asyncio-ts 0.1.0, Node ${process.version}, pid 4242`);
  });
});
