import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventLoop } from "../../src/loop/event-loop.js";
import { VirtualClock } from "../../src/loop/clock.js";
import "../../src/futures.js"; // registers the Future class with the loop
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
      // Deadlines on a coarse grid, so that many are equal and order by scheduling.
      const handle = loop.callAt(Math.floor(random() * 100) / 10, noop);
      loop._timerCancelled(handle); // Take it out of the loop's own heap.
      heap.push(handle);
      live.add(handle);
      if (random() < 0.3) {
        const victims = [...live];
        const victim = victims[Math.floor(random() * victims.length)]!;
        heap.remove(victim);
        live.delete(victim);
      }
    }
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
