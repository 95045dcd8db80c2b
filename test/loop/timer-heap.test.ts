/**
 * The loop's timer heap (src/loop/timer-heap.ts) against a sorted reference:
 * 5,000 timers pushed and removed at random pop by deadline, and those due
 * at the same time in the order they were scheduled. That tie rule is
 * asyncio-ts's own: CPython 3.13's TimerHandle compares deadlines only, so its
 * heapq pops equal deadlines in an order that depends on the heap's shape (the
 * random fidelity programs skip the seeds where this shows; see
 * test/fidelity/random/interp.py).
 *
 * A white-box test of an internal class: it imports src/ (compiled to
 * build/src/), not the package's dist/ as the other tests do.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventLoop } from "../../src/loop/event-loop.js";
import { VirtualClock } from "../../src/loop/clock.js";
import { TimerHeap } from "../../src/loop/timer-heap.js";
import type { TimerHandle } from "../../src/loop/handles.js";

// A small seeded generator: the same sequence on every run.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe("TimerHeap", () => {
  it("pops timers by deadline, then in scheduling order, through random pushes and removals", () => {
    const loop = new EventLoop({ clock: new VirtualClock() });
    const heap = new TimerHeap();
    const random = lcg(42);
    const live = new Set<TimerHandle>();
    const noop = (): void => {};
    for (let i = 0; i < 5000; i++) {
      // Deadlines on a grid of 100 values (0 to 9.9 s), so that many are
      // equal and their order is the scheduling order (_seq).
      const handle = loop.callAt(Math.floor(random() * 100) / 10, noop);
      // callAt() pushed it on the loop's own heap: take it off (the loop is
      // not running, so nothing fires), to push it on the heap under test.
      loop._timerCancelled(handle);
      heap.push(handle);
      live.add(handle);
      // Three times in ten, remove a random live timer, as cancel() does.
      if (random() < 0.3) {
        const victims = [...live];
        const victim = victims[Math.floor(random() * victims.length)]!;
        heap.remove(victim);
        live.delete(victim);
      }
    }
    // The reference: the timers still in the heap, sorted by deadline, then by scheduling order.
    const expected = [...live].sort((a, b) => a.when() - b.when() || a._seq - b._seq);
    const popped: TimerHandle[] = [];
    for (let h = heap.pop(); h !== undefined; h = heap.pop()) popped.push(h);
    assert.equal(popped.length, expected.length);
    assert.deepEqual(
      popped.map((h) => `${h.when()}#${h._seq}`),
      expected.map((h) => `${h.when()}#${h._seq}`),
    );
    assert.equal(heap.size, 0);
  });
});
