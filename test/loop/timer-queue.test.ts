/**
 * The loop's timer queue (src/loop/timer-queue.ts): runs of timers per delay
 * under a heap of runs, and cancelled timers dropped lazily.
 *
 * The white-box tests import src/ (compiled to build/src/), not the
 * package's dist/ as the other tests do; the loop-level tests at the end run
 * the package on a virtual clock. The tie rule, equal deadlines in
 * scheduling order, is asyncio-ts's own: CPython 3.13's TimerHandle compares
 * deadlines only, so its heapq pops equal deadlines in an order that depends
 * on the heap's shape (the random fidelity programs skip the seeds where this
 * shows; see test/fidelity/random/interp.py).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TimerQueue } from "../../src/loop/timer-queue.js";
import { TimerHandle } from "../../src/loop/handles.js";
import type { EventLoop } from "../../src/loop/event-loop.js";
import { getRunningLoop, sleep } from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

// A small seeded generator: the same sequence on every run.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const noop = (): void => {};

/** A queue, and a maker of timers whose cancel() reaches it as a loop's would. */
function setup(): { queue: TimerQueue; timer: (when: number, delay: number) => TimerHandle } {
  const queue = new TimerQueue();
  const loop = { _timerCancelled: () => queue.cancelled() } as unknown as EventLoop;
  let seq = 0;
  const timer = (when: number, delay: number): TimerHandle => {
    const handle = TimerHandle._newTimer(when, noop, undefined, loop, ++seq);
    queue.push(handle, delay);
    return handle;
  };
  return { queue, timer };
}

const order = (hs: readonly TimerHandle[]): string[] => hs.map((h) => `${h.when()}#${h._seq}`);
const byDeadline = (a: TimerHandle, b: TimerHandle): number => a.when() - b.when() || a._seq - b._seq;

function drain(queue: TimerQueue): TimerHandle[] {
  const popped: TimerHandle[] = [];
  for (let h = queue.pop(); h !== undefined; h = queue.pop()) popped.push(h);
  return popped;
}

describe("TimerQueue", () => {
  it("pops timers by deadline, then in scheduling order, through random pushes, pops and cancels", () => {
    const { queue, timer } = setup();
    const random = lcg(42);
    const live = new Set<TimerHandle>();
    let now = 0;
    for (let i = 0; i < 8000; i++) {
      now += random() < 0.1 ? random() * 0.05 : 0;
      // Delays on a grid of 0-100 ms, so that many deadlines are equal; one
      // in five gets a wrong delay, as a callAt() whose clock reading drifted,
      // which only sends it to another run.
      const delay = Math.floor(random() * 100) / 1000;
      const handle = timer(now + delay, random() < 0.2 ? random() * 0.1 : delay);
      live.add(handle);
      const r = random();
      if (r < 0.3) {
        // As cancel() does, including for timers already popped.
        const victims = [...live];
        const victim = victims[Math.floor(random() * victims.length)]!;
        victim.cancel();
        live.delete(victim);
      } else if (r < 0.4) {
        let expected: TimerHandle | undefined;
        for (const h of live) if (expected === undefined || byDeadline(h, expected) < 0) expected = h;
        const got = queue.pop();
        assert.equal(got, expected);
        live.delete(got!);
        if (random() < 0.5) got!.cancel();
      }
      assert.ok(queue.size >= live.size);
    }
    assert.deepEqual(order(drain(queue)), order([...live].sort(byDeadline)));
    assert.equal(queue.size, 0);
  });

  it("pops equal deadlines in scheduling order, whatever runs they are in", () => {
    const { queue, timer } = setup();
    const a = timer(5, 5);
    const b = timer(5, 1);
    const c = timer(2, 1);
    const d = timer(5, 3);
    const e = timer(5, 5);
    assert.deepEqual(drain(queue), [c, a, b, d, e]);
  });

  it("a timer due before the last of its run (same delay, earlier deadline) pops first", () => {
    const { queue, timer } = setup();
    const late = timer(10.0004, 1);
    const early = timer(10.0001, 1);
    const later = timer(10.0005, 1);
    assert.deepEqual(drain(queue), [early, late, later]);
  });

  it("timers of more delays than there are runs, or out of order in theirs, merge in order with the runs", () => {
    const { queue, timer } = setup();
    const random = lcg(3);
    const live: TimerHandle[] = [];
    // 5,000 delays of 0-100 s on a 1 ms grid (most their own run, past 1,024
    // runs), 5,000 of 0-50 ms continuous (in and out of order in their runs),
    // all from one clock reading; a tenth cancelled.
    for (let i = 0; i < 10_000; i++) {
      const delay = i % 2 ? Math.floor(random() * 100_000) / 1000 : random() * 0.05;
      const handle = timer(1000 + delay, delay);
      if (random() < 0.1) handle.cancel();
      else live.push(handle);
    }
    const out: TimerHandle[] = [];
    queue.popDue(1000.02, out);
    const due = live.filter((h) => h.when() <= 1000.02).sort(byDeadline);
    assert.deepEqual(order(out.filter((h) => !h.cancelled())), order(due));
    assert.deepEqual(order(drain(queue)), order(live.filter((h) => h.when() > 1000.02).sort(byDeadline)));
  });

  it("popDue() moves the timers due by a time, in order, cancelled ones included (as CPython's _run_once)", () => {
    const { queue, timer } = setup();
    const hs = [3, 1, 2, 1, 4, 2].map((when) => timer(when, when));
    hs[1]!.cancel();
    const out: TimerHandle[] = [];
    queue.popDue(2, out);
    assert.deepEqual(out, [hs[1], hs[3], hs[2], hs[5]]);
    assert.deepEqual(drain(queue), [hs[0], hs[4]]);
  });

  it("peek() drops cancelled timers at the front", () => {
    const { queue, timer } = setup();
    const first = timer(1, 1);
    const second = timer(2, 2);
    first.cancel();
    assert.equal(queue.size, 2);
    assert.equal(queue.peek(), second);
    assert.equal(queue.size, 1);
    second.cancel();
    assert.equal(queue.peek(), undefined);
    assert.equal(queue.size, 0);
  });

  it("cancelling many: cancelled timers are swept once they are more than half, as CPython's _run_once does", () => {
    const { queue, timer } = setup();
    // One timer that is never cancelled, in front of the rest.
    const blocking = timer(3000, 3000);
    const hs = Array.from({ length: 1000 }, () => timer(3600, 3600));
    // Half of the timers held cancelled: nothing is swept.
    for (const h of hs.slice(0, 500)) h.cancel();
    assert.equal(queue.size, 1001);
    // One more and the cancelled ones are more than half: all swept.
    hs[500]!.cancel();
    assert.equal(queue.size, 500);
    for (const h of hs.slice(501, 900)) h.cancel();
    assert.ok(queue.size < 499 && queue.size >= 100, String(queue.size));
    assert.deepEqual(drain(queue), [blocking, ...hs.slice(900)]);
    assert.equal(queue.size, 0);
  });

  it("a queue of up to 100 timers is not swept (CPython's _MIN_SCHEDULED_TIMER_HANDLES)", () => {
    const { queue, timer } = setup();
    const hs = Array.from({ length: 100 }, (_, i) => timer(i, i));
    for (const h of hs.slice(0, 99)) h.cancel();
    assert.equal(queue.size, 100);
    assert.deepEqual(drain(queue), [hs[99]]);
  });

  it("cancelling timers after they left the queue may bring a sweep forward, which counts exactly", () => {
    const { queue, timer } = setup();
    const hs = Array.from({ length: 400 }, (_, i) => timer(i, 1));
    const popped = Array.from({ length: 200 }, () => queue.pop()!);
    assert.deepEqual(popped, hs.slice(0, 200));
    for (const h of popped.slice(0, 100)) h.cancel();
    assert.equal(queue.size, 200);
    // 101 counted: a sweep that finds nothing to drop.
    popped[100]!.cancel();
    assert.equal(queue.size, 200);
    for (const h of hs.slice(200, 300)) h.cancel();
    assert.equal(queue.size, 200);
    hs[300]!.cancel();
    assert.equal(queue.size, 99);
    assert.deepEqual(drain(queue), hs.slice(301));
  });

  it("clear() empties it; timers cleared then cancelled leave the new ones alone", () => {
    const { queue, timer } = setup();
    const old = Array.from({ length: 300 }, (_, i) => timer(i, 1));
    queue.clear();
    assert.equal(queue.size, 0);
    assert.equal(queue.pop(), undefined);
    const fresh = Array.from({ length: 200 }, (_, i) => timer(i, 1));
    for (const h of old) h.cancel();
    assert.equal(queue.size, 200);
    assert.deepEqual(drain(queue), fresh);
  });

  it("a run that is emptied and then reused for the same delay keeps its order", () => {
    const { queue, timer } = setup();
    const a = timer(1, 1);
    assert.equal(queue.pop(), a);
    const b = timer(2, 1);
    const c = timer(1.5, 0.5);
    const d = timer(2, 1);
    assert.deepEqual(drain(queue), [c, b, d]);
  });

  it("keeps 100,000 timers of 51 delays in order, scheduled as the clock moves", () => {
    const { queue, timer } = setup();
    const random = lcg(7);
    const hs: TimerHandle[] = [];
    let now = 0;
    for (let i = 0; i < 100_000; i++) {
      if (i % 1000 === 0) now += 0.0001;
      const delay = Math.floor(random() * 51) / 1000;
      hs.push(timer(now + delay, delay));
    }
    const out: TimerHandle[] = [];
    queue.popDue(Infinity, out);
    assert.deepEqual(out, [...hs].sort(byDeadline));
  });
});

describe("EventLoop timers (virtual clock)", () => {
  const now = (): number => getRunningLoop().time();

  it("timers due at the same time run in scheduling order, whatever their delays", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      loop.callLater(2, () => trace.push(`a@${now()}`));
      await sleep(1);
      loop.callLater(1, () => trace.push(`b@${now()}`));
      loop.callAt(2, () => trace.push(`c@${now()}`));
      loop.callLater(0.5, () => trace.push(`d@${now()}`));
      await sleep(5);
    });
    assert.deepEqual(trace, ["d@1.5", "a@2", "b@2", "c@2"]);
  });

  it("a timer scheduled during a turn for an earlier deadline runs first", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      loop.callAt(3.0004, () => trace.push(`late@${now()}`));
      loop.callSoon(() => {
        // The same delay, rounded to the millisecond, and an earlier deadline.
        loop.callAt(3.0001, () => trace.push(`early@${now()}`));
        loop.callLater(1, () => trace.push(`first@${now()}`));
      });
      await sleep(4);
    });
    assert.deepEqual(trace, ["first@1", "early@3.0001", "late@3.0004"]);
  });

  it("the virtual clock skips the deadlines of cancelled timers", async () => {
    const times: number[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const hs = Array.from({ length: 300 }, (_, i) => loop.callLater(1 + i / 100, () => times.push(now())));
      for (const h of hs.slice(0, 299)) h.cancel();
      await sleep(10);
      times.push(now());
    });
    assert.deepEqual(times, [1 + 299 / 100, 10]);
  });

  it("10,000 sleeps of 0-50 ms wake in deadline order, then scheduling order", async () => {
    const random = lcg(11);
    const delays = Array.from({ length: 10_000 }, () => Math.floor(random() * 51) / 1000);
    const woke: number[] = [];
    await runVirtual(async () => {
      await Promise.all(delays.map((d, i) => sleep(d).then(() => woke.push(i))));
    });
    const expected = delays.map((_, i) => i).sort((a, b) => delays[a]! - delays[b]! || a - b);
    assert.deepEqual(woke, expected);
  });
});
