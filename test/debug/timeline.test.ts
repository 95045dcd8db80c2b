/**
 * The page of `asyncio-ts trace`, in a real browser: examples/gather.ts and
 * examples/to-thread.ts run with ASYNCIO_TS_TRACE, `asyncio-ts trace` renders
 * their traces, Chromium, driven by playwright-core, opens the pages from
 * file:// URLs, offline, and the test checks the rows, bars and arrows in the
 * DOM, the tooltip, zoom and pan, and that the page logged no error and asked
 * for nothing from the network. A trace of hundreds of tasks, written by hand,
 * checks that the rows scroll. Screenshots of the pages go to
 * build/test-artifacts/.
 *
 * Chromium is required, not optional: without it the tests fail, saying how
 * to install it (Debian's `chromium` package; .ci/run installs it).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { type Browser, type Locator, type Page, chromium } from "playwright-core";
import { manyTasksTrace } from "../support/traces.js";

// The repository root: this file runs as build/test/debug/timeline.test.js.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const artifacts = join(root, "build", "test-artifacts");
/** Screenshots carry the Node's major version: the two runs of scripts/test.js keep theirs. */
const node = `node${process.versions.node.split(".")[0]}`;

/** The Chromium binary: ASYNCIO_TS_CHROMIUM, else chromium or chromium-browser on the PATH. */
function findChromium(): string {
  const given = process.env.ASYNCIO_TS_CHROMIUM;
  if (given !== undefined && given !== "") return given;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of ["chromium", "chromium-browser"]) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // Not there: the next one.
      }
    }
  }
  throw new Error(
    "the timeline tests need Chromium, and found no chromium on the PATH: install it " +
      "(Debian, Ubuntu: `apt-get install -y chromium`; .ci/run does so on CI), " +
      "or set ASYNCIO_TS_CHROMIUM to a Chromium binary",
  );
}

/** A page of the browser, with what it logged and asked for. */
interface Opened {
  page: Page;
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Requests for anything but file: and data: URLs. */
  requests: string[];
}

const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-timeline-"));
/** The browser, launched by the first test that needs it: without Chromium, each test fails saying how to install it. */
let launched: Promise<Browser> | undefined;
const browser = (): Promise<Browser> =>
  (launched ??= Promise.resolve().then(() => chromium.launch({ executablePath: findChromium(), timeout: 30_000 })));

/** Renders the trace file `input` with `asyncio-ts trace`; returns the page's file. */
function render(input: string): string {
  const result = spawnSync(process.execPath, [join(root, "dist", "cli.js"), "trace", input], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return input.replace(/\.json$/, ".html");
}

/** Writes a trace made by hand and renders it. */
function renderTrace(name: string, trace: object): string {
  const input = join(dir, `${name}.json`);
  writeFileSync(input, JSON.stringify(trace));
  return render(input);
}

/** Runs build/examples/<name>.js with ASYNCIO_TS_TRACE; resolves to its trace file. */
async function exampleTrace(name: string): Promise<string> {
  const trace = join(dir, `${name}.json`);
  await promisify(execFile)(process.execPath, [join(root, "build", "examples", `${name}.js`)], {
    env: { ...process.env, ASYNCIO_TS_TRACE: trace },
    timeout: 30_000,
  });
  return trace;
}

// Both examples run at once, from the start: to-thread.ts takes 2 seconds.
const examples = { gather: exampleTrace("gather"), toThread: exampleTrace("to-thread") };
// Awaited by the tests; until then, a failure is theirs to report.
for (const promise of Object.values(examples)) promise.catch(() => {});

/**
 * Opens the page of `file` in a new offline context, `height` pixels high;
 * `check` runs on it, then the context is closed.
 */
async function withPage(file: string, height: number, check: (opened: Opened) => Promise<void>): Promise<void> {
  const context = await (await browser()).newContext({ offline: true, viewport: { width: 1100, height } });
  try {
    const page = await context.newPage();
    const opened: Opened = { page, errors: [], requests: [] };
    page.on("console", (message) => {
      if (message.type() === "error") opened.errors.push(message.text());
    });
    page.on("pageerror", (error) => opened.errors.push(String(error)));
    page.on("request", (request) => {
      if (!/^(file|data):/.test(request.url())) opened.requests.push(request.url());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("body[data-ready]", { timeout: 10_000 });
    await check(opened);
    assert.deepEqual(opened.errors, [], "the page logged errors");
    assert.deepEqual(opened.requests, [], "the page made requests");
  } finally {
    await context.close();
  }
}

/** Waits until the page has drawn what the last input asked for (it draws on the next animation frame). */
async function drawn(page: Page): Promise<void> {
  await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
}

/** The bounding box of one element, which must be there and visible. */
async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  assert.ok(found, `${String(locator)} has no box`);
  return found;
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `timeline-${name}.${node}.png`) });
}

after(async () => {
  await launched?.then(
    (opened) => opened.close(),
    () => {},
  );
  rmSync(dir, { recursive: true, force: true });
});

describe("the timeline page in Chromium", () => {
  it("examples/gather.ts: a row per task, steps and waits as bars, arrows from main() to the tasks it created", async () => {
    await withPage(render(await examples.gather), 340, async ({ page }) => {
      // The rows: one per task, in order, with its coroutine.
      const labels = page.locator('[data-row-kind="task"]');
      assert.deepEqual(await labels.evaluateAll((els) => els.map((el) => el.getAttribute("data-task"))), [
        "Task-1",
        "Task-2",
        "Task-3",
        "Task-4",
      ]);
      assert.deepEqual(await labels.allInnerTexts(), ["Task-1\nmain()", "Task-2\na()", "Task-3\nb()", "Task-4\nc()"]);
      assert.equal(await page.locator('[data-row-kind="worker"]').count(), 0);

      // The bars: each task steps, waits (main() on the gather, the others on a sleep), and steps again, on its row.
      const waits = new Map<string, { x: number; y: number; width: number; height: number }>();
      for (const [task, awaits] of [
        ["Task-1", /^gather\(/],
        ["Task-2", /^sleep\(/],
        ["Task-3", /^sleep\(/],
        ["Task-4", /^sleep\(/],
      ] as const) {
        assert.equal(await page.locator(`[data-kind="step"][data-task="${task}"]`).count(), 2, task);
        const wait = page.locator(`[data-kind="wait"][data-task="${task}"]`);
        assert.match((await wait.getAttribute("data-name"))!, awaits);
        const row = await box(page.locator(`[data-row-kind="task"][data-task="${task}"]`));
        const bar = await box(wait);
        assert.ok(bar.y >= row.y && bar.y + bar.height <= row.y + row.height, `${task}'s wait is on its row`);
        waits.set(task, bar);
      }
      // Drawn to scale: b() sleeps 0.1 s, a() 0.2 s, c() 0.3 s (the timers may fire a little late).
      const [a, b, c] = ["Task-2", "Task-3", "Task-4"].map((task) => waits.get(task)!.width);
      assert.ok(Math.abs(a! / b! - 2) < 0.3 && Math.abs(c! / b! - 3) < 0.4, `the sleeps' widths: ${a}, ${b}, ${c}`);
      // The labels of the waits are in the bars.
      assert.deepEqual(
        await page.locator(".bar-label").allTextContents(),
        await page.locator('[data-kind="wait"]').evaluateAll((els) => els.map((el) => el.getAttribute("data-name"))),
      );

      // The arrows: main() created each task.
      const arrows = page.locator('[data-kind="flow"][data-cat="create"]');
      assert.deepEqual(await arrows.evaluateAll((els) => els.map((el) => el.getAttribute("data-to"))), [
        "Task-2",
        "Task-3",
        "Task-4",
      ]);
      for (const arrow of await arrows.all()) {
        assert.equal(await arrow.getAttribute("data-from"), "Task-1");
        assert.ok((await box(arrow)).height > 10, "the arrow is drawn");
      }

      // The time axis, with labels in milliseconds.
      const ticks = await page.locator("#axis text").allTextContents();
      assert.ok(ticks.includes("0") && ticks.includes("100 ms") && ticks.includes("200 ms"), ticks.join(", "));

      await screenshot(page, "gather");

      // Hovering a bar shows its name, times, duration and args.
      const tooltip = page.locator("#tooltip");
      assert.equal(await tooltip.isVisible(), false);
      const wait = page.locator('[data-kind="wait"][data-task="Task-2"]');
      await wait.hover();
      assert.equal(await tooltip.isVisible(), true);
      const text = await tooltip.innerText();
      const name = (await wait.getAttribute("data-name"))!;
      assert.ok(text.startsWith(`${name}\nwait · Task-2 a()\n`), text);
      assert.match(
        text,
        /\nstart\t[\d.]+ (µs|ms)\nend\t2\d\d(\.\d)? ms\nduration\t(19\d|2\d\d)(\.\d)? ms\nawaits\tsleep\(/,
      );
      await screenshot(page, "gather-tooltip");
      await page.mouse.move(5, 330);
      assert.equal(await tooltip.isVisible(), false);
    });
  });

  it("zooms with the buttons, the wheel and the keys, pans by dragging, and resets", async () => {
    await withPage(render(await examples.gather), 340, async ({ page }) => {
      const bar = page.locator('[data-kind="wait"][data-task="Task-3"]'); // b() sleeps 0.1 s.
      const initial = await box(bar);
      const plot = await box(page.locator("#plot"));

      // The buttons zoom around the middle: the end of the bar moves twice as far from it.
      const middle = plot.x + plot.width / 2;
      await page.click("#zoom-in");
      await drawn(page);
      const zoomed = await box(bar);
      const end = zoomed.x + zoomed.width;
      const expected = middle + 2 * (initial.x + initial.width - middle);
      assert.ok(Math.abs(end - expected) < 1, `zoomed in twice: the bar ends at ${end}, not ${expected}`);
      assert.notEqual(zoomed.width, initial.width);
      await page.click("#zoom-out");
      await drawn(page);
      assert.ok(Math.abs((await box(bar)).width - initial.width) < 0.5, "zoomed out again");

      // The wheel over the time axis zooms in around the pointer: the time under it stays there.
      const anchor = initial.x + 1; // The start of the sleep.
      await page.mouse.move(anchor, (await box(page.locator("#axis"))).y + 10);
      await page.mouse.wheel(0, -400);
      await drawn(page);
      const wheeled = await box(bar);
      assert.ok(wheeled.width > initial.width * 1.5, `the wheel zoomed in: ${initial.width} -> ${wheeled.width}`);
      assert.ok(Math.abs(wheeled.x - initial.x) < 1, "the time under the pointer stayed there");

      // Ctrl+wheel over the rows zooms out again; the plain wheel there does not zoom.
      await page.mouse.move(anchor, plot.y + 40);
      await page.mouse.wheel(0, 100);
      await drawn(page);
      assert.ok(Math.abs((await box(bar)).width - wheeled.width) < 0.5, "the plain wheel did not zoom");
      await page.keyboard.down("Control");
      await page.mouse.wheel(0, 400);
      await page.keyboard.up("Control");
      await drawn(page);
      assert.ok((await box(bar)).width < wheeled.width * 0.7, "Ctrl+wheel zoomed out");

      // The keys: 0 resets, + zooms in.
      await page.keyboard.press("0");
      await drawn(page);
      assert.ok(Math.abs((await box(bar)).width - initial.width) < 0.5, "the 0 key reset the view");
      await page.keyboard.press("+");
      await drawn(page);
      const before = await box(bar);
      assert.ok(Math.abs(before.x + before.width - expected) < 1, "the + key zoomed in as the button does");

      // Zoomed in, a drag pans: the bars follow the pointer.
      await page.mouse.move(plot.x + 450, plot.y + 150);
      await page.mouse.down();
      await page.mouse.move(plot.x + 600, plot.y + 150, { steps: 3 });
      await page.mouse.up();
      await drawn(page);
      const after = await box(bar);
      const moved = after.x + after.width - (before.x + before.width);
      assert.ok(Math.abs(moved - 150) < 1, `the drag moved the bar's end by ${moved}px, not 150`);

      await page.click("#zoom-reset");
      await drawn(page);
      const reset = await box(bar);
      assert.ok(Math.abs(reset.width - initial.width) < 0.5 && Math.abs(reset.x - initial.x) < 0.5, "reset");
    });
  });

  it("examples/to-thread.ts: the worker's row below the tasks, its job beside main()'s wait, arrows there and back", async () => {
    await withPage(render(await examples.toThread), 300, async ({ page }) => {
      const task = page.locator('[data-row-kind="task"]');
      const worker = page.locator('[data-row-kind="worker"]');
      assert.deepEqual(await task.allInnerTexts(), ["Task-1\nmain()"]);
      assert.deepEqual(await worker.allInnerTexts(), ["worker 1"]);
      assert.equal(await worker.getAttribute("data-worker"), "worker 1");
      assert.ok((await box(worker)).y > (await box(task)).y, "the worker's row is below the tasks");

      const job = page.locator('[data-kind="job"]');
      assert.equal(await job.getAttribute("data-name"), "toThread job 1: work()");
      assert.equal(await job.getAttribute("data-worker"), "worker 1");
      const jobBox = await box(job);
      const workerRow = await box(worker);
      assert.ok(jobBox.y >= workerRow.y && jobBox.y + jobBox.height <= workerRow.y + workerRow.height);
      // The job runs while main() waits for gather(toThread(work), sleep(1)): their bars overlap in x.
      const wait = await box(page.locator('[data-kind="wait"][data-task="Task-1"]'));
      assert.match(
        (await page.locator('[data-kind="wait"][data-task="Task-1"]').getAttribute("data-name"))!,
        /^gather\(/,
      );
      const overlap = Math.min(wait.x + wait.width, jobBox.x + jobBox.width) - Math.max(wait.x, jobBox.x);
      assert.ok(
        overlap > 0.9 * jobBox.width,
        `the job (${jobBox.x}+${jobBox.width}) within the wait (${wait.x}+${wait.width})`,
      );

      for (const [cat, from, to] of [
        ["job", "Task-1", "worker 1"],
        ["job-done", "worker 1", "Task-1"],
      ]) {
        const arrow = page.locator(`[data-kind="flow"][data-cat="${cat}"]`);
        assert.equal(await arrow.getAttribute("data-from"), from);
        assert.equal(await arrow.getAttribute("data-to"), to);
        assert.ok((await box(arrow)).height > 10, `the ${cat} arrow is drawn`);
      }
      await screenshot(page, "to-thread");

      await job.hover();
      const text = await page.locator("#tooltip").innerText();
      assert.match(text, /^toThread job 1: work\(\)\nworker thread job · worker 1\n/);
      assert.match(text, /\nduration\t2(\.\d+)? s\n/);
      for (const arg of ["job\t1", "fn\twork", "task\t1", "state\tfinished"])
        assert.ok(text.includes(`\n${arg}`), text);
    });
  });

  it("stays readable with hundreds of tasks: the rows scroll under a fixed axis", async () => {
    await withPage(renderTrace("many", manyTasksTrace(300)), 600, async ({ page }) => {
      assert.equal(await page.locator('[data-row-kind="task"]').count(), 301);
      assert.equal(await page.locator('[data-kind="flow"][data-cat="cancel"]').count(), 30);
      const scroll = page.locator("#scroll");
      const heights = await scroll.evaluate((el) => [el.scrollHeight, el.clientHeight]);
      assert.ok(heights[0]! > 301 * 24 && heights[1]! < 600, `scrolls: ${heights.join(" in ")}`);
      const last = page.locator('[data-row-kind="task"][data-task="Task-301"]');
      assert.equal(await last.isVisible(), true);
      await scroll.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      const axis = await box(page.locator("#axis"));
      assert.ok(axis.y < 100, "the axis stays at the top");
      const lastBox = await box(last);
      assert.ok(lastBox.y > axis.y && lastBox.y < 600, "the last row scrolled into view");
      // Its bars are drawn once it is in view, at the current zoom.
      await page.click("#zoom-in");
      await drawn(page);
      const wait = await box(page.locator('[data-kind="wait"][data-task="Task-301"]').first());
      assert.ok(
        wait.width > 10 && Math.abs(wait.y - lastBox.y) < 24,
        `the last row's wait is drawn: ${JSON.stringify(wait)}`,
      );
      await page.click("#zoom-reset");
      await drawn(page);
      await screenshot(page, "many");
    });
  });
});
