/**
 * The timeline of a trace: reads the trace file that `run(main, { trace })`
 * writes (Chrome's Trace Event Format, JSON Object Format) into rows, bars,
 * marks and arrows, and renders them as one self-contained HTML page, which
 * draws them in the browser (src/cli/timeline-page.ts).
 *
 * What is read: on the event loop's process (pid 1), each task's track, with
 * its lifetime (cat "task"), steps (cat "step") and waits (cat "wait"), the
 * instants "created", "cancel requested" and its end; on the worker threads'
 * process (pid 2), each worker's jobs (cat "job"); flow events (ph "s" and
 * "f") of the categories create, cancel, job and job-done become arrows.
 * Anything else in the file is ignored, so that newer recorders can add to it.
 *
 * @module
 */

import { basename } from "node:path";
import { timelinePage } from "./timeline-page.js";

/** A trace file that cannot be read as one: the message says what is wrong. */
export class TraceFileError extends Error {
  override name = "TraceFileError";
}

/** A row of the timeline: a task of the event loop, or a worker thread. */
export interface TimelineRow {
  kind: "task" | "worker";
  /** The track's tid: the task's trace id, or the worker's number. */
  tid: number;
  /** "Task-3", or "worker 1". */
  name: string;
  /** The task's coroutine, "fetch()"; "" for a worker or when unknown. */
  coro: string;
  /** The task's state at the end of the trace (finished, cancelled, failed, pending); "" for a worker. */
  state: string;
}

/** A bar (with a duration) or a mark (an instant, dur 0) on a row. */
export interface TimelineItem {
  /** Index of its row in Timeline.rows. */
  row: number;
  /** task: the task's lifetime; step: its code running; wait: an await; job: a worker thread's job; mark: an instant. */
  kind: "task" | "step" | "wait" | "job" | "mark";
  name: string;
  /** Start, in microseconds since the run started. */
  ts: number;
  /** Duration in microseconds; 0 for a mark. */
  dur: number;
  args: Record<string, unknown>;
}

/** An arrow from one row at one time to another row at another time. */
export interface TimelineFlow {
  /** create, cancel, job or job-done. */
  cat: string;
  from: number;
  to: number;
  ts: number;
  endTs: number;
}

/** What the page draws. */
export interface Timeline {
  /** The trace file's name. */
  title: string;
  /** Who recorded it: "asyncio-ts 0.1.0, Node v24.21.0, pid 1234"; "" when the file does not say. */
  producer: string;
  /** The end of the last event, in microseconds. */
  end: number;
  /** The tasks in their sort order, then the workers by number. */
  rows: TimelineRow[];
  items: TimelineItem[];
  flows: TimelineFlow[];
}

/** The flow categories drawn as arrows. */
const FLOW_CATS = new Set(["create", "cancel", "job", "job-done"]);

type TraceEvent = Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/**
 * Reads the text of a trace file into a Timeline. `file` names the file in
 * the messages of the TraceFileError thrown when the text is not a trace.
 */
export function readTimeline(text: string, file: string): Timeline {
  if (text.trim() === "")
    throw new TraceFileError(`${file} is empty: expected a trace written by run(main, { trace })`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TraceFileError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  // The JSON Object Format, or the bare event array of the JSON Array Format.
  const events = Array.isArray(json) ? json : isObject(json) ? json.traceEvents : undefined;
  if (!Array.isArray(events)) {
    throw new TraceFileError(
      `${file} is not a trace file: expected a JSON object with a "traceEvents" array ` +
        `(Chrome's Trace Event Format, as run(main, { trace }) writes it)`,
    );
  }
  events.forEach((event: unknown, i) => checkEvent(event, i, file));
  return build(events as TraceEvent[], file, isObject(json) ? json.otherData : undefined);
}

/** Throws if an event that the timeline reads lacks a field it needs. */
function checkEvent(event: unknown, i: number, file: string): void {
  const bad = (what: string): TraceFileError => new TraceFileError(`${file}: traceEvents[${i}] ${what}`);
  if (!isObject(event)) throw bad(`is not an object: ${JSON.stringify(event)?.slice(0, 60)}`);
  const ph = event.ph;
  if (typeof ph !== "string") throw bad(`has no "ph" (the event's phase, such as "X")`);
  if (!["X", "i", "I", "s", "f", "M"].includes(ph)) return;
  const fields: [string, (value: unknown) => boolean, string][] = [
    ["pid", isNumber, "a number"],
    ["tid", isNumber, "a number"],
  ];
  if (ph !== "M") fields.push(["ts", isNumber, "a number of microseconds"]);
  if (ph === "X") fields.push(["dur", (v) => isNumber(v) && v >= 0, "a number of microseconds, not negative"]);
  if (ph === "s" || ph === "f") fields.push(["id", (v) => isNumber(v) || typeof v === "string", "a number or string"]);
  for (const [name, ok, expected] of fields) {
    if (!ok(event[name])) {
      const value = event[name] === undefined ? "missing" : JSON.stringify(event[name]);
      throw bad(`(ph "${ph}") has a bad "${name}": ${value}, expected ${expected}`);
    }
  }
  if (event.args !== undefined && !isObject(event.args)) throw bad(`(ph "${ph}") has "args" that is not an object`);
}

/** The process ids of the event loop and the worker threads: named by metadata, else 1 and 2. */
function processIds(events: TraceEvent[]): { loop: number; workers: number } {
  const ids = { loop: 1, workers: 2 };
  for (const e of events) {
    if (e.ph !== "M" || e.name !== "process_name" || !isObject(e.args)) continue;
    if (e.args.name === "event loop") ids.loop = e.pid as number;
    else if (e.args.name === "worker threads") ids.workers = e.pid as number;
  }
  return ids;
}

function build(events: TraceEvent[], file: string, otherData: unknown): Timeline {
  const pids = processIds(events);
  const args = (e: TraceEvent): Record<string, unknown> => (isObject(e.args) ? e.args : {});

  // The tracks, with what the metadata and lifetimes say of them.
  interface Track {
    kind: "task" | "worker";
    tid: number;
    threadName?: string;
    sortIndex?: number;
    lifetime?: TraceEvent;
  }
  const tracks = new Map<string, Track>();
  const track = (e: TraceEvent): Track | undefined => {
    const kind = e.pid === pids.loop ? "task" : e.pid === pids.workers ? "worker" : undefined;
    if (kind === undefined || (e.ph === "M" && e.tid === 0)) return undefined;
    const key = `${kind}:${e.tid as number}`;
    let found = tracks.get(key);
    if (found === undefined) tracks.set(key, (found = { kind, tid: e.tid as number }));
    return found;
  };
  for (const e of events) {
    if (e.ph === "M") {
      if (e.name !== "thread_name" && e.name !== "thread_sort_index") continue;
      const t = track(e);
      if (t === undefined) continue;
      const a = args(e);
      if (e.name === "thread_name" && typeof a.name === "string") t.threadName = a.name;
      if (e.name === "thread_sort_index" && isNumber(a.sort_index)) t.sortIndex = a.sort_index;
    } else if (e.ph === "X" && (e.cat === "task" || e.cat === "job")) {
      const t = track(e);
      if (t !== undefined && e.cat === "task" && t.kind === "task") t.lifetime ??= e;
    }
  }

  const ordered = [...tracks.values()].sort(
    (a, b) =>
      (a.kind === b.kind ? 0 : a.kind === "task" ? -1 : 1) ||
      (a.sortIndex ?? a.tid) - (b.sortIndex ?? b.tid) ||
      a.tid - b.tid,
  );
  const rows: TimelineRow[] = ordered.map((t) => {
    if (t.kind === "worker")
      return { kind: "worker", tid: t.tid, name: t.threadName ?? `worker ${t.tid}`, coro: "", state: "" };
    // "Task-3 fetch()" from the metadata; the lifetime's name and coro when there is one.
    const space = t.threadName?.indexOf(" ") ?? -1;
    const life = t.lifetime === undefined ? {} : args(t.lifetime);
    const name =
      typeof t.lifetime?.name === "string"
        ? t.lifetime.name
        : space > 0
          ? t.threadName!.slice(0, space)
          : (t.threadName ?? `Task-${t.tid}`);
    const coro = typeof life.coro === "string" ? life.coro : space > 0 ? t.threadName!.slice(space + 1) : "";
    return { kind: "task", tid: t.tid, name, coro, state: typeof life.state === "string" ? life.state : "" };
  });
  if (!rows.some((row) => row.kind === "task")) {
    throw new TraceFileError(
      `${file} has no asyncio-ts tasks: no events on the event loop's tracks (pid ${pids.loop}); ` +
        `expected a trace written by run(main, { trace })`,
    );
  }
  const rowIndex = new Map(ordered.map((t, i) => [`${t.kind}:${t.tid}`, i]));
  const rowOf = (e: TraceEvent): number | undefined => {
    const kind = e.pid === pids.loop ? "task" : e.pid === pids.workers ? "worker" : undefined;
    return kind === undefined ? undefined : rowIndex.get(`${kind}:${e.tid as number}`);
  };

  const items: TimelineItem[] = [];
  const flowStarts = new Map<string, TraceEvent>();
  const flows: TimelineFlow[] = [];
  let end = 0;
  for (const e of events) {
    const row = rowOf(e);
    if (row === undefined || typeof e.cat !== "string") continue;
    const name = typeof e.name === "string" ? e.name : String(e.name);
    const ts = e.ts as number;
    const onTask = rows[row]!.kind === "task";
    if (e.ph === "X") {
      const kind = onTask
        ? e.cat === "task" || e.cat === "step" || e.cat === "wait"
          ? e.cat
          : undefined
        : e.cat === "job"
          ? "job"
          : undefined;
      if (kind === undefined) continue;
      const dur = e.dur as number;
      items.push({ row, kind, name, ts, dur, args: args(e) });
      end = Math.max(end, ts + dur);
    } else if ((e.ph === "i" || e.ph === "I") && onTask && (e.cat === "task" || e.cat === "cancel")) {
      items.push({ row, kind: "mark", name, ts, dur: 0, args: args(e) });
      end = Math.max(end, ts);
    } else if ((e.ph === "s" || e.ph === "f") && FLOW_CATS.has(e.cat)) {
      const key = `${e.cat}:${String(e.id)}`;
      if (e.ph === "s") flowStarts.set(key, e);
      else {
        const start = flowStarts.get(key);
        const from = start === undefined ? undefined : rowOf(start);
        if (start === undefined || from === undefined) continue;
        flowStarts.delete(key);
        flows.push({ cat: e.cat, from, to: row, ts: start.ts as number, endTs: ts });
        end = Math.max(end, ts);
      }
    }
  }
  // Lifetimes first, so that the steps and waits inside them are drawn over them.
  const order = { task: 0, wait: 1, step: 2, job: 3, mark: 4 };
  items.sort((a, b) => order[a.kind] - order[b.kind] || a.row - b.row || a.ts - b.ts);
  return { title: file, producer: producerOf(otherData), end, rows, items, flows };
}

/** "asyncio-ts 0.1.0, Node v24.21.0, pid 1234" from the trace's otherData, as far as it says. */
function producerOf(otherData: unknown): string {
  if (!isObject(otherData)) return "";
  const { producer, version, node, pid } = otherData;
  const parts: string[] = [];
  if (typeof producer === "string") parts.push(typeof version === "string" ? `${producer} ${version}` : producer);
  if (typeof node === "string") parts.push(`Node ${node}`);
  if (isNumber(pid)) parts.push(`pid ${pid}`);
  return parts.join(", ");
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/**
 * The timeline as one HTML page that needs nothing else: its style, its
 * script and the timeline's data (JSON) are inline, and its Content Security
 * Policy forbids loading anything from elsewhere.
 */
export function renderTimeline(timeline: Timeline): string {
  // "<" escaped, so that no "</script>" in a task's name or a result ends the data early.
  const data = JSON.stringify(timeline).replace(/</g, "\\u003c");
  const title = escapeHtml(basename(timeline.title));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${title} · asyncio-ts timeline</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <div class="heading">
    <h1 title="${escapeHtml(timeline.title)}">${title}</h1>
    <div id="summary" class="summary"></div>
  </div>
  <div class="tools">
    <button type="button" id="zoom-in" title="Zoom in (+)">+</button>
    <button type="button" id="zoom-out" title="Zoom out (−)">−</button>
    <button type="button" id="zoom-reset" title="Show the whole run (0)">Reset</button>
  </div>
  <div class="legend">
    <span><i class="swatch step"></i>step (running)</span>
    <span><i class="swatch wait"></i>wait (awaiting)</span>
    <span><i class="swatch life"></i>ready (queued)</span>
    <span><i class="swatch job"></i>worker job</span>
    <span><i class="line create"></i>created</span>
    <span><i class="line cancel"></i>cancelled</span>
    <span><i class="line job"></i>job sent / done</span>
  </div>
</header>
<div id="axis-row"><div class="corner">task · coroutine</div><svg id="axis" xmlns="http://www.w3.org/2000/svg"></svg></div>
<main id="scroll">
  <div id="labels"></div>
  <div id="plot"><svg id="chart" xmlns="http://www.w3.org/2000/svg"></svg></div>
</main>
<footer>Ctrl+wheel, or the wheel over the time axis: zoom · drag, or Shift+wheel: pan · keys + − 0 ← →</footer>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="timeline-data">${data}</script>
<script>(${timelinePage.toString()})();</script>
</body>
</html>
`;
}

const STYLE = `
:root { --label-width: 270px; font: 12px/1.35 system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1d2430; }
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; background: #fff; overflow: hidden; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 18px; padding: 8px 12px; border-bottom: 1px solid #d5dae3; background: #f7f8fa; }
h1 { font-size: 15px; margin: 0; font-weight: 600; }
.summary { color: #596273; }
.tools { display: flex; gap: 4px; }
button { font: inherit; min-width: 30px; padding: 3px 9px; border: 1px solid #b9c1ce; border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { background: #eef2f8; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; color: #3b4452; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; width: 18px; height: 10px; border-radius: 2px; }
.swatch.step { background: #2f6fdf; }
.swatch.wait { background: #d6e3fb; border: 1px solid #8fb0ea; }
.swatch.life { background: #e9ecf1; border: 1px solid #cfd5df; }
.swatch.job { background: #e8871e; }
.line { display: inline-block; width: 18px; border-top: 2px solid; }
.line.create { border-color: #6f7c91; }
.line.cancel { border-color: #d93025; }
.line.job { border-color: #c0640f; }
#axis-row { display: flex; height: 26px; border-bottom: 1px solid #d5dae3; background: #fbfbfc; flex: none; }
.corner { width: var(--label-width); flex: none; padding: 6px 12px; color: #596273; border-right: 1px solid #d5dae3; }
#axis { flex: none; height: 26px; overflow: hidden; cursor: zoom-in; }
#axis text { font-size: 11px; fill: #3b4452; }
#axis line { stroke: #8a93a3; }
main { flex: 1; overflow-y: auto; overflow-x: hidden; display: flex; }
#labels { width: var(--label-width); flex: none; border-right: 1px solid #d5dae3; background: #fff; }
.label { height: 24px; line-height: 24px; padding: 0 8px 0 12px; display: flex; align-items: baseline; gap: 6px; white-space: nowrap; overflow: hidden; }
.label:nth-child(even) { background: #f6f8fb; }
.label .name { font-weight: 600; flex: none; }
.label .coro { color: #525c6b; overflow: hidden; text-overflow: ellipsis; font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 11px; }
.label .state { flex: none; margin-left: auto; font-size: 10px; line-height: 15px; padding: 0 5px; border-radius: 8px; background: #eceff4; color: #525c6b; }
.label .state.cancelled { background: #fde3e1; color: #b3261e; }
.label .state.failed { background: #b3261e; color: #fff; }
.label .state.pending { background: #fff2cc; color: #7a5a00; }
.group { height: 22px; padding: 3px 12px; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: #596273; background: #eef1f5; border-top: 1px solid #d5dae3; border-bottom: 1px solid #d5dae3; white-space: nowrap; overflow: hidden; }
#plot { flex: 1; min-width: 0; cursor: grab; }
#plot.dragging { cursor: grabbing; }
#chart { display: block; }
.row-bg { fill: #fff; }
.row-bg.odd { fill: #f6f8fb; }
.group-bg { fill: #eef1f5; stroke: #d5dae3; }
.grid { stroke: #e3e7ee; }
.life { fill: #e9ecf1; stroke: #cfd5df; stroke-width: .5; }
.step { fill: #2f6fdf; }
.wait { fill: #d6e3fb; stroke: #8fb0ea; stroke-width: .75; }
.wait.on-job { fill: #fde7cf; stroke: #eeb06a; }
.job { fill: #e8871e; }
.bar-label { font-size: 11px; fill: #1f3f7a; pointer-events: none; }
.bar-label.on-job { fill: #7a3f05; }
.job-label { font-size: 11px; fill: #fff; pointer-events: none; }
.mark { stroke: #fff; stroke-width: 1; }
.mark.created { fill: #6f7c91; }
.mark.finished { fill: #3d8b40; }
.mark.cancel-requested, .mark.cancelled { fill: #d93025; }
.mark.failed { fill: #8c1d18; }
.flow { fill: none; stroke-width: 1.5; }
.arrowhead.create { fill: #6f7c91; }
.arrowhead.cancel { fill: #d93025; }
.arrowhead.job, .arrowhead.job-done { fill: #c0640f; }
.flow.create { stroke: #6f7c91; }
.flow.cancel { stroke: #d93025; stroke-width: 2; }
.flow.job { stroke: #c0640f; }
.flow.job-done { stroke: #c0640f; stroke-dasharray: 4 3; }
[data-i]:hover { filter: brightness(.92); }
.flow:hover { stroke-width: 3; }
footer { flex: none; padding: 4px 12px; color: #6b7483; font-size: 11px; border-top: 1px solid #d5dae3; background: #f7f8fa; }
#tooltip { position: fixed; z-index: 10; max-width: 460px; padding: 7px 9px; border-radius: 5px; background: #1d2430; color: #f3f5f8; box-shadow: 0 3px 12px rgba(0,0,0,.25); pointer-events: none; font-size: 12px; }
#tooltip .title { font-weight: 600; font-size: 13px; overflow-wrap: anywhere; }
#tooltip .kind { color: #aab3c2; margin-bottom: 4px; }
#tooltip table { border-collapse: collapse; }
#tooltip td { padding: 1px 8px 1px 0; vertical-align: top; overflow-wrap: anywhere; }
#tooltip td:first-child { color: #aab3c2; white-space: nowrap; }
`;
