/**
 * A binary min-heap of TimerHandles ordered by deadline, then by scheduling
 * order; a cancelled handle is removed at once (each handle knows its index),
 * so the heap never holds dead timers. CPython keeps cancelled timers in its
 * heapq and sweeps them later; removal by index costs the same O(log n).
 *
 * @module
 */

import type { TimerHandle } from "./handles.js";

function before(a: TimerHandle, b: TimerHandle): boolean {
  const wa = a.when();
  const wb = b.when();
  return wa < wb || (wa === wb && a._seq < b._seq);
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
    handle._index = items.length;
    items.push(handle);
    this.#up(handle._index);
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
      items[i] = last;
      last._index = i;
      this.#down(i);
      this.#up(last._index);
    }
  }

  #up(i: number): void {
    const items = this.#items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(item, p)) break;
      items[i] = p;
      p._index = i;
      i = parent;
    }
    items[i] = item;
    item._index = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(items[r]!, items[l]!)) c = r;
      const child = items[c]!;
      if (!before(child, item)) break;
      items[i] = child;
      child._index = i;
      i = c;
    }
    items[i] = item;
    item._index = i;
  }
}
