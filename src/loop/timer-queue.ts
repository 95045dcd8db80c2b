/**
 * The loop's pending timers, popped by deadline, then in scheduling order.
 *
 * Stands for CPython 3.13 Lib/asyncio/base_events.py `BaseEventLoop._scheduled`
 * (a heapq of TimerHandles). Differs in its shape, as Node's own timers do:
 * timers are appended to runs, one open run per delay (rounded to the
 * millisecond), and a small 4-ary heap orders the runs by their first timer.
 * Timers of the same delay scheduled later are due later, so appending keeps
 * a run in order at O(1), and 100,000 sleeps of 0-50 ms make 51 runs, where
 * a heap of the timers themselves has 100,000 entries and a cache miss at
 * each of its levels. A timer due before the last of its run's (a delay
 * rounded to the same millisecond, a clock that did not move), or one that
 * would open a run beyond the first 1,024, goes to a plain heap of timers
 * instead, merged with the runs: random delays cost what they cost in a heap.
 * Equal deadlines pop in scheduling order (TimerHandle._seq): asyncio-ts's
 * own rule, where CPython's heapq leaves their order to the heap's shape.
 *
 * Cancelled timers are dropped lazily, as CPython does: when they reach the
 * front before the loop waits (or, once due, they go to the ready queue with
 * the others, where a cancelled handle does nothing), and all at once when
 * they are more than half of the queue (`_timer_handle_cancelled` and the
 * sweep in `_run_once`).
 *
 * @module
 */

import type { TimerHandle, _Runnable } from "./handles.js";

// CPython's _MIN_SCHEDULED_TIMER_HANDLES: below this size, no sweep.
const MIN_SWEEP_SIZE = 100;
// At most this many runs: past it, timers of a new delay go to the heap.
const MAX_RUNS = 1024;

/**
 * Timers in deadline order. Their deadlines are kept beside them, so that
 * popping a timer reads this run's arrays, not the timer: 100,000 timers
 * are too many for the cache, and the loop reads each once more anyway when
 * it runs it.
 */
class Run {
  readonly items: TimerHandle[] = [];
  readonly whens: number[] = [];
  head = 0;
  /** The first timer's deadline (the heap's key). */
  when = 0;
  constructor(readonly key: number) {}
}

// Equal deadlines, rare on a real clock, are ordered by scheduling order.
function before(a: Run, b: Run): boolean {
  return a.when < b.when || (a.when === b.when && a.items[a.head]!._seq < b.items[b.head]!._seq);
}

/**
 * A 4-ary min-heap of timers by deadline, then scheduling order, with their
 * deadlines in an array beside them: the timers that fit no run.
 */
class TimerHeap {
  readonly items: TimerHandle[] = [];
  readonly whens: number[] = [];

  #before(i: number, j: number): boolean {
    const a = this.whens[i]!;
    const b = this.whens[j]!;
    return a < b || (a === b && this.items[i]!._seq < this.items[j]!._seq);
  }

  #swap(i: number, j: number): void {
    const { items, whens } = this;
    const h = items[i]!;
    items[i] = items[j]!;
    items[j] = h;
    const w = whens[i]!;
    whens[i] = whens[j]!;
    whens[j] = w;
  }

  push(handle: TimerHandle, when: number): void {
    this.items.push(handle);
    this.whens.push(when);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  pop(): TimerHandle {
    const { items, whens } = this;
    const top = items[0]!;
    const last = items.pop()!;
    const lastWhen = whens.pop()!;
    if (items.length > 0) {
      items[0] = last;
      whens[0] = lastWhen;
      this.down(0);
    }
    return top;
  }

  down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) return;
      let c = first;
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) if (this.#before(k, c)) c = k;
      if (!this.#before(c, i)) return;
      this.#swap(i, c);
      i = c;
    }
  }

  /** Drops cancelled timers; returns how many are left. */
  sweep(): number {
    const { items, whens } = this;
    let n = 0;
    for (let i = 0; i < items.length; i++) {
      if (items[i]!._cancelled) continue;
      items[n] = items[i]!;
      whens[n++] = whens[i]!;
    }
    items.length = n;
    whens.length = n;
    for (let i = (n - 2) >> 2; i >= 0; i--) this.down(i);
    return n;
  }
}

/** @internal */
export class TimerQueue {
  // Runs that hold at least one timer, as a 4-ary min-heap.
  readonly #runs: Run[] = [];
  // The run that a timer of each delay key is appended to.
  readonly #open = new Map<number, Run>();
  // The timers that fit no run.
  readonly #late = new TimerHeap();
  // Timers in the runs, cancelled ones included, and how many cancel()
  // calls were counted since the last sweep: timers cancelled after they
  // left the queue count too (their handles are not touched when they
  // leave), so this can only overestimate, and a sweep counts exactly.
  #size = 0;
  #cancelled = 0;

  /** Timers held, cancelled ones not yet dropped included. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds `handle`; `delay` (seconds from now to its deadline) picks its run
   * and only affects speed.
   */
  push(handle: TimerHandle, delay: number): void {
    // Any key is correct: an integer one (milliseconds) is a fast Map key.
    const key = (delay * 1000 + 0.5) | 0;
    const when = handle._when;
    let run = this.#open.get(key);
    if (run !== undefined) {
      if (run.whens[run.whens.length - 1]! <= when) {
        run.items.push(handle);
        run.whens.push(when);
      } else {
        this.#late.push(handle, when);
      }
    } else if (this.#open.size >= MAX_RUNS) {
      this.#late.push(handle, when);
    } else {
      run = new Run(key);
      run.items.push(handle);
      run.whens.push(when);
      run.when = when;
      this.#open.set(key, run);
      this.#runs.push(run);
      this.#up(this.#runs.length - 1, run);
    }
    this.#size++;
  }

  /** The first timer that is not cancelled (dropping those before it). */
  peek(): TimerHandle | undefined {
    for (;;) {
      const first = this.#first();
      if (first === undefined || !first._cancelled) return first;
      this.#take();
    }
  }

  /** Removes and returns the first timer that is not cancelled. */
  pop(): TimerHandle | undefined {
    const first = this.peek();
    if (first !== undefined) this.#take();
    return first;
  }

  /**
   * Moves every timer due by `end` to `out`, in order, cancelled ones
   * included, as CPython's `_run_once` moves due timers to the ready queue
   * (a cancelled handle does nothing when run).
   */
  popDue(end: number, out: _Runnable[]): void {
    const heap = this.#runs;
    const late = this.#late;
    for (;;) {
      const run = heap[0];
      if (late.items.length === 0) {
        // The common case: every timer is in a run.
        if (run === undefined || run.when > end) return;
        out.push(run.items[run.head]!);
        this.#shift(run);
      } else if (run !== undefined && this.#runFirst(run)) {
        if (run.when > end) return;
        out.push(run.items[run.head]!);
        this.#shift(run);
      } else {
        if (late.whens[0]! > end) return;
        out.push(late.pop());
        this.#size--;
      }
    }
  }

  // Whether the first run's first timer comes before the heap's (not empty).
  #runFirst(run: Run): boolean {
    const late = this.#late;
    const w = late.whens[0]!;
    return run.when < w || (run.when === w && run.items[run.head]!._seq < late.items[0]!._seq);
  }

  // The first timer, cancelled or not.
  #first(): TimerHandle | undefined {
    const run = this.#runs[0];
    const late = this.#late;
    if (late.items.length === 0) return run === undefined ? undefined : run.items[run.head];
    if (run !== undefined && this.#runFirst(run)) return run.items[run.head];
    return late.items[0];
  }

  // Removes the first timer.
  #take(): void {
    const run = this.#runs[0];
    if (this.#late.items.length === 0 || (run !== undefined && this.#runFirst(run))) {
      this.#shift(run!);
    } else {
      this.#late.pop();
      this.#size--;
    }
  }

  /** Called when a timer was cancelled: it stays until dropped. */
  cancelled(): void {
    this.#cancelled++;
    if (this.#size > MIN_SWEEP_SIZE && this.#cancelled * 2 > this.#size) this.#sweep();
  }

  clear(): void {
    this.#runs.length = 0;
    this.#open.clear();
    this.#late.items.length = 0;
    this.#late.whens.length = 0;
    this.#size = 0;
    this.#cancelled = 0;
  }

  // Takes the first timer off `run`, the first run, and restores the heap of runs.
  #shift(run: Run): void {
    const items = run.items;
    items[run.head++] = undefined as never;
    this.#size--;
    if (run.head < items.length) {
      const whens = run.whens;
      run.when = whens[run.head]!;
      // Drop the consumed front once it is most of the array.
      if (run.head >= 1024 && run.head * 2 >= items.length) {
        items.copyWithin(0, run.head);
        items.length -= run.head;
        whens.copyWithin(0, run.head);
        whens.length -= run.head;
        run.head = 0;
      }
      this.#down(0, run);
    } else {
      if (this.#open.get(run.key) === run) this.#open.delete(run.key);
      const last = this.#runs.pop()!;
      if (last !== run) this.#down(0, last);
    }
  }

  // Drops every cancelled timer and rebuilds the heap of runs.
  #sweep(): void {
    const heap = this.#runs;
    let kept = 0;
    let size = 0;
    for (const run of heap) {
      const { items, whens } = run;
      let n = 0;
      for (let i = run.head; i < items.length; i++) {
        const handle = items[i]!;
        if (handle._cancelled) continue;
        items[n] = handle;
        whens[n++] = whens[i]!;
      }
      items.length = n;
      whens.length = n;
      run.head = 0;
      size += n;
      if (n === 0) {
        if (this.#open.get(run.key) === run) this.#open.delete(run.key);
        continue;
      }
      run.when = whens[0]!;
      heap[kept++] = run;
    }
    heap.length = kept;
    for (let i = kept - 1; i >= 0; i--) this.#down(i, heap[i]!);
    this.#size = size + this.#late.sweep();
    this.#cancelled = 0;
  }

  // Moves `run` up from hole `i` to its place.
  #up(i: number, run: Run): void {
    const heap = this.#runs;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const p = heap[parent]!;
      if (!before(run, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = run;
  }

  // Moves `run` down from hole `i` to its place.
  #down(i: number, run: Run): void {
    const heap = this.#runs;
    const n = heap.length;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let child = heap[first]!;
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) {
        const candidate = heap[k]!;
        if (before(candidate, child)) {
          c = k;
          child = candidate;
        }
      }
      if (!before(child, run)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = run;
  }
}
