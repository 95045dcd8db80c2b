/**
 * Reads and checks a trace file as Perfetto and chrome://tracing need it
 * (Chrome Trace Event Format, JSON Object Format), and as asyncio-ts's
 * trace promises it: every track named; on each track, the complete (X)
 * events properly nested (each inside the one that encloses its start, or
 * after it); each task's steps and waits inside its lifetime and never
 * overlapping; every flow arrow with both ends.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

export interface TraceEvent {
  ph: string;
  name: string;
  cat?: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  s?: string;
  id?: number;
  bp?: string;
  args?: Record<string, any>;
}

export interface Trace {
  traceEvents: TraceEvent[];
  displayTimeUnit?: string;
  otherData?: Record<string, unknown>;
}

/** Whole nanoseconds, as Perfetto reads microsecond timestamps. */
export const ns = (us: number): number => Math.round(us * 1000);
export const end = (e: TraceEvent): number => ns(e.ts!) + ns(e.dur!);

/** Parses and checks a trace file; throws an AssertionError naming the first problem. */
export function readTrace(path: string): Trace {
  const trace = JSON.parse(readFileSync(path, "utf8")) as Trace;
  checkTrace(trace);
  return trace;
}

export function checkTrace(trace: Trace): void {
  assert.ok(Array.isArray(trace.traceEvents), "traceEvents is an array");
  const named = new Set<string>();
  const tracks = new Map<string, TraceEvent[]>();
  for (const e of trace.traceEvents) {
    assert.equal(typeof e.ph, "string", `ph of ${JSON.stringify(e)}`);
    assert.equal(typeof e.name, "string", `name of ${JSON.stringify(e)}`);
    assert.ok(Number.isInteger(e.pid) && Number.isInteger(e.tid), `pid and tid of ${JSON.stringify(e)}`);
    if (e.ph === "M") {
      if (e.name === "thread_name") {
        assert.equal(typeof e.args?.["name"], "string", `thread_name of ${e.pid}/${e.tid}`);
        named.add(`${e.pid}/${e.tid}`);
      }
      continue;
    }
    assert.ok(typeof e.ts === "number" && Number.isFinite(e.ts) && e.ts >= 0, `ts of ${JSON.stringify(e)}`);
    if (e.ph === "X") {
      assert.ok(typeof e.dur === "number" && Number.isFinite(e.dur) && e.dur >= 0, `dur of ${JSON.stringify(e)}`);
    }
    const key = `${e.pid}/${e.tid}`;
    let list = tracks.get(key);
    if (list === undefined) tracks.set(key, (list = []));
    list.push(e);
  }
  checkOrder(trace.traceEvents);
  for (const [key, events] of tracks) {
    assert.ok(named.has(key), `track ${key} has a thread_name`);
    checkNesting(
      key,
      events.filter((e) => e.ph === "X"),
    );
    if (key.startsWith("1/")) checkTaskTrack(key, events);
  }
  checkFlows(trace.traceEvents);
}

/**
 * The file's order, as asyncio-ts writes it: metadata first, then by time;
 * at the same time on one track, an enclosing X event before those inside
 * it (readers that take events in file order nest them right).
 */
function checkOrder(events: TraceEvent[]): void {
  let seenEvent = false;
  let last = -Infinity;
  const lastX = new Map<string, TraceEvent>();
  for (const e of events) {
    if (e.ph === "M") {
      assert.ok(!seenEvent, `metadata ${e.name} of ${e.pid}/${e.tid} comes before the events`);
      continue;
    }
    seenEvent = true;
    assert.ok(ns(e.ts!) >= last, `${e.ph} ${e.name} at ${e.ts} comes after a later event`);
    last = ns(e.ts!);
    if (e.ph !== "X") continue;
    const key = `${e.pid}/${e.tid}`;
    const before = lastX.get(key);
    if (before !== undefined && ns(before.ts!) === ns(e.ts!)) {
      assert.ok(
        ns(before.dur!) >= ns(e.dur!),
        `track ${key}: ${before.cat}/${before.name} at ${before.ts} comes before ${e.cat}/${e.name}, which encloses it`,
      );
    }
    lastX.set(key, e);
  }
}

/** X events of one track: each starts inside the one enclosing it, and ends there too. */
function checkNesting(key: string, xs: TraceEvent[]): void {
  const sorted = [...xs].sort((a, b) => ns(a.ts!) - ns(b.ts!) || ns(b.dur!) - ns(a.dur!));
  const open: TraceEvent[] = [];
  for (const e of sorted) {
    // Those that ended by its start are behind it.
    while (open.length > 0 && end(open[open.length - 1]!) <= ns(e.ts!)) open.pop();
    const parent = open[open.length - 1];
    if (parent !== undefined) {
      assert.ok(
        end(e) <= end(parent),
        `track ${key}: ${e.cat}/${e.name} at ${e.ts} (dur ${e.dur}) overlaps ${parent.cat}/${parent.name} at ${parent.ts} (dur ${parent.dur}) without nesting in it`,
      );
    }
    open.push(e);
  }
}

/** A task's track: one lifetime; its steps and waits inside it, one after the other. */
function checkTaskTrack(key: string, events: TraceEvent[]): void {
  const lifetimes = events.filter((e) => e.ph === "X" && e.cat === "task");
  assert.equal(lifetimes.length, 1, `track ${key} has one lifetime event`);
  const life = lifetimes[0]!;
  const phases = events
    .filter((e) => e.ph === "X" && (e.cat === "step" || e.cat === "wait"))
    .sort((a, b) => ns(a.ts!) - ns(b.ts!));
  let last = ns(life.ts!);
  for (const e of phases) {
    assert.ok(ns(e.ts!) >= last, `track ${key}: ${e.cat} ${e.name} at ${e.ts} starts before the previous one ends`);
    assert.ok(end(e) <= end(life), `track ${key}: ${e.cat} ${e.name} ends after the task`);
    last = end(e);
  }
}

function checkFlows(events: TraceEvent[]): void {
  const starts = new Map<string, TraceEvent>();
  const finishes = new Map<string, TraceEvent>();
  for (const e of events) {
    if (e.ph !== "s" && e.ph !== "f") continue;
    const key = `${e.cat}#${e.id}`;
    const map = e.ph === "s" ? starts : finishes;
    assert.ok(!map.has(key), `flow ${key} has one ${e.ph} event`);
    map.set(key, e);
    if (e.ph === "f") assert.equal(e.bp, "e", `flow ${key} binds to the enclosing slice`);
  }
  for (const [key, s] of starts) {
    const f = finishes.get(key);
    assert.ok(f !== undefined, `flow ${key} has an end`);
    assert.ok(ns(f.ts!) >= ns(s.ts!), `flow ${key} ends after it starts`);
  }
  for (const key of finishes.keys()) assert.ok(starts.has(key), `flow ${key} has a start`);
}

/** The tracks of pid 1 (tasks), by their names: thread name → tid. */
export function taskTracks(trace: Trace): Map<string, number> {
  const tracks = new Map<string, number>();
  for (const e of trace.traceEvents) {
    if (e.ph === "M" && e.name === "thread_name" && e.pid === 1) tracks.set(e.args!["name"] as string, e.tid);
  }
  return tracks;
}

/** The events of one track, by time (longer first at the same time). */
export function track(trace: Trace, pid: number, tid: number): TraceEvent[] {
  return trace.traceEvents
    .filter((e) => e.ph !== "M" && e.pid === pid && e.tid === tid)
    .sort((a, b) => ns(a.ts!) - ns(b.ts!) || ns(b.dur ?? -1) - ns(a.dur ?? -1));
}

/** The steps and waits of a task's track, in order, as "step" and "wait <name>". */
export function phases(trace: Trace, tid: number): string[] {
  return track(trace, 1, tid)
    .filter((e) => e.ph === "X" && (e.cat === "step" || e.cat === "wait"))
    .map((e) => (e.cat === "step" ? "step" : `wait ${e.name}`));
}

/** The lifetime event of a task's track. */
export function lifetime(trace: Trace, tid: number): TraceEvent {
  const e = track(trace, 1, tid).find((x) => x.ph === "X" && x.cat === "task");
  assert.ok(e !== undefined, `track ${tid} has a lifetime event`);
  return e;
}
