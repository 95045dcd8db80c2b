/**
 * A 4-ary min-heap of TimerHandles ordered by deadline, then by scheduling
 * order. A cancelled handle is removed at once (each handle knows its index),
 * so the heap never holds dead timers; CPython keeps cancelled timers in its
 * heapq and sweeps them later. Four children per node halve the depth of a
 * binary heap: with 100,000 pending sleeps, fewer levels mean fewer cache
 * misses per pop, which is where a heap of that size spends its time.
 *
 * @module
 */

import type { TimerHandle } from "./handles.js";

function before(a: TimerHandle, b: TimerHandle): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

/** @internal */
export class TimerHeap {
  readonly #items: TimerHandle[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): TimerHandle | undefined {
    return this.#items[0];
  }

  push(handle: TimerHandle): void {
    const items = this.#items;
    items.push(handle);
    this.#up(items.length - 1, handle);
  }

  pop(): TimerHandle | undefined {
    const items = this.#items;
    const top = items[0];
    if (top === undefined) return undefined;
    this.#removeAt(0);
    return top;
  }

  remove(handle: TimerHandle): void {
    const i = handle._index;
    if (i >= 0 && this.#items[i] === handle) this.#removeAt(i);
  }

  clear(): void {
    for (const h of this.#items) h._index = -1;
    this.#items.length = 0;
  }

  #removeAt(i: number): void {
    const items = this.#items;
    const removed = items[i]!;
    const last = items.pop()!;
    removed._index = -1;
    if (i < items.length) {
      if (i > 0 && before(last, items[(i - 1) >> 2]!)) this.#up(i, last);
      else this.#down(i, last);
    }
  }

  // Moves `item` up from hole `i` to its place.
  #up(i: number, item: TimerHandle): void {
    const items = this.#items;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const p = items[parent]!;
      if (!before(item, p)) break;
      items[i] = p;
      p._index = i;
      i = parent;
    }
    items[i] = item;
    item._index = i;
  }

  // Moves `item` down from hole `i` to its place.
  #down(i: number, item: TimerHandle): void {
    const items = this.#items;
    const n = items.length;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let child = items[first]!;
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) {
        const candidate = items[k]!;
        if (before(candidate, child)) {
          c = k;
          child = candidate;
        }
      }
      if (!before(child, item)) break;
      items[i] = child;
      child._index = i;
      i = c;
    }
    items[i] = item;
    item._index = i;
  }
}
