/**
 * Queue, LifoQueue, PriorityQueue: queues for producer and consumer tasks.
 *
 * Port of CPython 3.13 Lib/asyncio/queues.py, with 3.13's `shutdown()`, and
 * of the loop binding of Lib/asyncio/mixins.py (`_LoopBoundMixin`): a queue
 * belongs to the loop that first waits on it. Differs (docs/differences.md,
 * "Queues"): options are an object, `new Queue({ maxsize })`, and maxsize
 * must be an integer; `put()`, `get()` and `join()` return lazy Coroutines,
 * as calling an `async def` does; a PriorityQueue orders by a `compare`
 * option, by default Python's order of numbers, strings and tuples (arrays);
 * `for await (const item of queue)` takes items until the queue is shut down
 * and empty, and does not call `taskDone()`; the join() Event is the
 * queue's own, bound to the queue's loop.
 *
 * @module
 */

import { inspect } from "node:util";
import { rangeError, reprValue, show, typeError } from "./errors.js";
import { type Future, _LabelledFuture } from "./futures.js";
import type { EventLoop } from "./loop/event-loop.js";
import { _loopFor } from "./mixins.js";
import { Coroutine } from "./tasks/coroutine.js";
import { type SignalOptions, _abortable } from "./timeouts.js";

/**
 * `getNowait()` on an empty queue (CPython's `asyncio.QueueEmpty`).
 *
 * @example
 * ```ts
 * try { queue.getNowait(); } catch (err) { if (!(err instanceof QueueEmpty)) throw err; }
 * ```
 */
export class QueueEmpty extends Error {
  override readonly name = "QueueEmpty";
  readonly code = "ERR_ASYNCIO_QUEUE_EMPTY";
}

/** `putNowait()` on a full queue (CPython's `asyncio.QueueFull`). */
export class QueueFull extends Error {
  override readonly name = "QueueFull";
  readonly code = "ERR_ASYNCIO_QUEUE_FULL";
}

/**
 * Putting to a queue that was shut down, or getting from one that was shut
 * down and is empty (CPython 3.13's `asyncio.QueueShutDown`).
 */
export class QueueShutDown extends Error {
  override readonly name = "QueueShutDown";
  readonly code = "ERR_ASYNCIO_QUEUE_SHUT_DOWN";
}

/** Options of `new Queue()` and `new LifoQueue()`. */
export interface QueueOptions {
  /**
   * How many items the queue holds before `put()` waits: an integer; 0 (the
   * default) or less means no limit, as in CPython.
   */
  maxsize?: number;
}

/** Options of `new PriorityQueue()`. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders two items as `Array.prototype.sort`'s comparator does: negative
   * when `a` comes out first. Default: Python's order of numbers, bigints,
   * strings, and arrays of them compared element by element as tuples, so
   * `[priority, item]` entries work as in Python.
   */
  compare?: (a: T, b: T) => number;
}

/** @internal Where a queue keeps its items: CPython's `_init`, `_put` and `_get`. */
export interface _Store<T> {
  readonly length: number;
  push(item: T): void;
  take(): T;
  clear(): void;
  toArray(): T[];
}

/**
 * @internal A FIFO with an O(1) amortized `take()` (CPython's deque): an
 * array read from a head index, compacted when the head passes half of it.
 */
export class _Deque<T> implements _Store<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item (popleft). */
  take(): T {
    const items = this.#items;
    const item = items[this.#head] as T;
    items[this.#head] = undefined;
    this.#head++;
    if (this.#head === items.length) {
      items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes the first occurrence of `item`; false if there is none. */
  remove(item: T): boolean {
    const i = this.#items.indexOf(item, this.#head);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  clear(): void {
    this.#items.length = 0;
    this.#head = 0;
  }

  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }
}

/** LifoQueue's store: a list used as a stack. */
class Stack<T> implements _Store<T> {
  readonly #items: T[] = [];

  get length(): number {
    return this.#items.length;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  take(): T {
    return this.#items.pop() as T;
  }

  clear(): void {
    this.#items.length = 0;
  }

  toArray(): T[] {
    return this.#items.slice();
  }
}

/**
 * PriorityQueue's store: a binary min-heap, making the comparisons of
 * Python's heapq.heappush and heappop in the same order, so equal items
 * come out in heapq's order. Each operation finds where items go before it
 * moves any, so a comparison that throws leaves the heap as it was.
 */
class Heap<T> implements _Store<T> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get length(): number {
    return this.#items.length;
  }

  /** heapq.heappush: append, then _siftdown towards the root. */
  push(item: T): void {
    const heap = this.#items;
    let pos = heap.length;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!this.#less(item, heap[parent] as T)) break;
      pos = parent;
    }
    let i = heap.length;
    heap.push(item);
    while (i > pos) {
      const parent = (i - 1) >> 1;
      heap[i] = heap[parent] as T;
      i = parent;
    }
    heap[pos] = item;
  }

  /**
   * heapq.heappop: the last item replaces the root, goes down to a leaf
   * along the smaller children (_siftup), then back up (_siftdown).
   */
  take(): T {
    const heap = this.#items;
    if (heap.length <= 1) return heap.pop() as T;
    const top = heap[0] as T;
    const last = heap[heap.length - 1] as T;
    const end = heap.length - 1;
    // The path of the descent; each child on it moves up one place.
    const path = [0];
    for (let child = 1; child < end; child = 2 * child + 1) {
      const right = child + 1;
      if (right < end && !this.#less(heap[child] as T, heap[right] as T)) child = right;
      path.push(child);
    }
    // Back up: after the moves, the parent of path[k] holds heap[path[k]].
    let k = path.length - 1;
    while (k > 0 && this.#less(last, heap[path[k] as number] as T)) k--;
    heap.pop();
    for (let j = 0; j < k; j++) heap[path[j] as number] = heap[path[j + 1] as number] as T;
    heap[path[k] as number] = last;
    return top;
  }

  clear(): void {
    this.#items.length = 0;
  }

  toArray(): T[] {
    return this.#items.slice();
  }
}

/** A queue's item in its repr: arrays as Python lists (`[1, 'a']`), the rest as errors.ts shows values. */
function reprItem(value: unknown, depth = 0): string {
  if (Array.isArray(value) && depth < 3) return `[${value.map((v) => reprItem(v, depth + 1)).join(", ")}]`;
  return reprValue(value);
}

/**
 * A queue for coordinating producer and consumer tasks, first in, first out
 * (CPython's `asyncio.Queue`). With a `maxsize` above 0, `put()` waits while
 * the queue holds that many items. `taskDone()` and `join()` count items
 * processed; `shutdown()` ends it.
 *
 * @example
 * ```ts
 * const queue = new Queue<number>({ maxsize: 10 });
 * const consumer = createTask(async () => {
 *   for await (const n of queue) { console.log(n); queue.taskDone(); }
 * });
 * for (let i = 0; i < 3; i++) await queue.put(i);
 * await queue.join(); // every item taken and done
 * queue.shutdown(); // the consumer's loop ends
 * await consumer;
 * ```
 */
export class Queue<T = unknown> implements AsyncIterable<T> {
  readonly #maxsize: number;
  /** @internal The Futures of tasks waiting in get(), oldest first. */
  readonly _getters = new _Deque<Future<void>>();
  /** @internal The Futures of tasks waiting in put(), oldest first. */
  readonly _putters = new _Deque<Future<void>>();
  /** @internal */ _unfinishedTasks = 0;
  // CPython's `_finished` Event: set when no task is unfinished.
  #finished = true;
  readonly #joinWaiters: Future<void>[] = [];
  #isShutdown = false;
  #loop: EventLoop | undefined = undefined;
  readonly #store: _Store<T>;

  /**
   * @param options - `{ maxsize }`: an integer; 0 (the default) or less for
   *   no limit.
   * @throws {TypeError} for options that are not an object (`new Queue(10)`:
   *   write `new Queue({ maxsize: 10 })`), an unknown option, or a maxsize
   *   that is not a number.
   * @throws {RangeError} for a maxsize that is not an integer.
   */
  constructor(options: QueueOptions = {}) {
    const maxsize = checkOptions(this, options);
    this.#maxsize = maxsize;
    this.#store = this._init(options);
  }

  /** @internal Makes the store of items (CPython's `_init`); LifoQueue and PriorityQueue override it. */
  protected _init(_options: QueueOptions): _Store<T> {
    return new _Deque<T>();
  }

  /** Number of items in the queue. */
  qsize(): number {
    return this.#store.length;
  }

  /** Number of items allowed in the queue; 0 or less means no limit. */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** True if the queue is empty. */
  empty(): boolean {
    return this.#store.length === 0;
  }

  /** True if there are `maxsize` items in the queue; never with maxsize 0 or less. */
  full(): boolean {
    return this.#maxsize > 0 && this.#store.length >= this.#maxsize;
  }

  /**
   * Puts an item into the queue; if it is full, waits until a slot is free.
   *
   * @returns a lazy Coroutine: await it, or pass it to createTask or gather.
   * @throws {QueueShutDown} if the queue was shut down, or is shut down while
   *   this waits.
   */
  put(item: T, options?: SignalOptions): Coroutine<void> {
    return _abortable(new Coroutine(put, [this, item]) as Coroutine<void>, options, "Queue.put()");
  }

  /** @internal put()'s body. */
  async _putCoro(item: T): Promise<void> {
    if (this.full()) await this.#waitWhile(this.full, this._putters, shutDownForPut, "put");
    this.putNowait(item);
  }

  /**
   * The loop of CPython's put() and get(): waits in `waiters` while
   * `blocked()` (full for a putter, empty for a getter). A waiter that throws
   * (cancelled) after it was woken passes the wake-up on to the next in line.
   */
  async #waitWhile(
    blocked: () => boolean,
    waiters: _Deque<Future<void>>,
    shutDown: () => QueueShutDown,
    what: "get" | "put",
  ): Promise<void> {
    while (blocked.call(this)) {
      if (this.#isShutdown) throw shutDown();
      const waiter = new _LabelledFuture<void>(this._getLoop(), what, undefined, this);
      waiters.push(waiter);
      try {
        await waiter;
      } catch (err) {
        waiter.cancel(); // In case it is not done yet.
        // putNowait(), getNowait() or shutdown() may have taken it out already.
        waiters.remove(waiter);
        // Woken, but cannot take the item or the slot: wake the next in line.
        if (!blocked.call(this) && !waiter.cancelled()) this.#wakeupNext(waiters);
        throw err;
      }
    }
  }

  /**
   * Puts an item into the queue without waiting.
   *
   * @throws {QueueFull} if there is no free slot.
   * @throws {QueueShutDown} if the queue was shut down.
   */
  putNowait(item: T): void {
    if (this.#isShutdown) throw shutDownForPut();
    if (this.full()) {
      throw new QueueFull(
        `putNowait() on a full queue (maxsize=${this.#maxsize}): await put() to wait for a free slot, or check full() first`,
      );
    }
    this.#store.push(item);
    this._unfinishedTasks++;
    this.#finished = false;
    this.#wakeupNext(this._getters);
  }

  /**
   * Removes and returns an item; if the queue is empty, waits for one.
   *
   * @returns a lazy Coroutine: await it, or pass it to createTask or gather.
   * @throws {QueueShutDown} if the queue was shut down and is empty, or was
   *   shut down with `immediate`.
   */
  get(options?: SignalOptions): Coroutine<T> {
    return _abortable(new Coroutine(get, [this]) as Coroutine<T>, options, "Queue.get()");
  }

  /** @internal get()'s body. */
  async _getCoro(): Promise<T> {
    if (this.empty()) await this.#waitWhile(this.empty, this._getters, shutDownForGet, "get");
    return this.getNowait();
  }

  /**
   * Removes and returns an item if one is there.
   *
   * @throws {QueueEmpty} if the queue is empty.
   * @throws {QueueShutDown} if the queue was shut down and is empty, or was
   *   shut down with `immediate`.
   */
  getNowait(): T {
    if (this.empty()) {
      if (this.#isShutdown) throw shutDownForGet();
      throw new QueueEmpty("getNowait() on an empty queue: await get() to wait for an item, or check empty() first");
    }
    const item = this.#store.take();
    this.#wakeupNext(this._putters);
    return item;
  }

  /**
   * Tells the queue that an item taken with `get()` or `getNowait()` is
   * processed. When every item put has been marked so, `join()` returns.
   * `shutdown({ immediate: true })` marks the items it drops.
   *
   * @throws {RangeError} if called more times than items were put
   *   (CPython's ValueError).
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) {
      throw rangeError(
        "taskDone() called too many times: call it once for each item taken with get() or getNowait()",
        "ERR_ASYNCIO_TASK_DONE_TOO_MANY_TIMES",
      );
    }
    this._unfinishedTasks--;
    if (this._unfinishedTasks === 0) this.#setFinished();
  }

  /**
   * Waits until every item put has been taken and marked with `taskDone()`.
   *
   * @returns a lazy Coroutine: await it, or pass it to createTask or gather.
   */
  join(options?: SignalOptions): Coroutine<void> {
    return _abortable(new Coroutine(join, [this]) as Coroutine<void>, options, "Queue.join()");
  }

  /** @internal join()'s body: CPython's `await self._finished.wait()`. */
  async _joinCoro(): Promise<void> {
    if (this._unfinishedTasks <= 0 || this.#finished) return;
    const waiter = new _LabelledFuture<void>(this._getLoop(), "join", undefined, this);
    this.#joinWaiters.push(waiter);
    try {
      await waiter;
    } finally {
      this.#joinWaiters.splice(this.#joinWaiters.indexOf(waiter), 1);
    }
  }

  /**
   * Shuts the queue down: `put()` and `putNowait()` throw QueueShutDown from
   * now on, and `get()` and `getNowait()` once the queue is empty. Tasks
   * waiting in `put()` wake with QueueShutDown, and those in `get()` do if the
   * queue is empty. With `immediate`, the items left are dropped and marked
   * done (which may let `join()` return), so `get()` throws at once.
   *
   * @param immediate - Drop the items left (default false).
   */
  shutdown(immediate = false): void {
    this.#isShutdown = true;
    if (immediate) {
      this._unfinishedTasks = Math.max(0, this._unfinishedTasks - this.#store.length);
      this.#store.clear();
      if (this._unfinishedTasks === 0) this.#setFinished();
    }
    // Every getter re-checks whether the queue is empty, to throw QueueShutDown.
    wakeAll(this._getters);
    wakeAll(this._putters);
  }

  /**
   * The items until the queue is shut down and empty: each step is an
   * `await get()`. It does not call `taskDone()` (call it for each item, as
   * after `get()`). Breaking out of the loop leaves the queue as it is.
   *
   * @example
   * ```ts
   * for await (const job of queue) { await handle(job); queue.taskDone(); }
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const queue = this;
    return {
      next: () => nextItem(queue),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** @internal The loop the queue is bound to, which it binds on first use (CPython's `_get_loop`). */
  _getLoop(): EventLoop {
    return (this.#loop = _loopFor(
      this,
      this.#loop,
      "a queue belongs to the loop that first waits on it; make a new queue in each run()",
    ));
  }

  /** Wakes the next waiter that is not cancelled (CPython's `_wakeup_next`). */
  #wakeupNext(waiters: _Deque<Future<void>>): void {
    while (waiters.length > 0) {
      const waiter = waiters.take();
      if (!waiter.done()) {
        waiter.setResult(undefined);
        break;
      }
    }
  }

  /** CPython's `self._finished.set()`. */
  #setFinished(): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const waiter of this.#joinWaiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  /** @internal The state in the repr (CPython's `_format`). */
  _format(): string {
    let result = `maxsize=${this.#maxsize}`;
    if (this.#store.length > 0) result += ` _queue=${reprItem(this.#store.toArray())}`;
    if (this._getters.length > 0) result += ` _getters[${this._getters.length}]`;
    if (this._putters.length > 0) result += ` _putters[${this._putters.length}]`;
    if (this._unfinishedTasks) result += ` tasks=${this._unfinishedTasks}`;
    if (this.#isShutdown) result += " shutdown";
    return result;
  }

  /** As CPython's str(): `<Queue maxsize=0 _queue=[1, 2] tasks=2>`. */
  toString(): string {
    return `<${this.constructor.name} ${this._format()}>`;
  }

  /** @internal console.log() and util.inspect() show toString(). */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** LIFO queue: retrieves the most recently added items first (CPython's `asyncio.LifoQueue`). */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** @internal */
  protected override _init(): _Store<T> {
    return new Stack<T>();
  }
}

/**
 * Priority queue: retrieves the smallest item first (CPython's
 * `asyncio.PriorityQueue`), kept in a binary heap as Python's heapq does;
 * items that compare equal come out in heapq's order, not in the order put.
 * By default items are ordered as Python orders them: numbers and bigints,
 * strings, and arrays compared element by element like tuples, so
 * `[priority, item]` entries work; pass `compare` for anything else.
 *
 * @example
 * ```ts
 * const jobs = new PriorityQueue<[number, string]>();
 * jobs.putNowait([2, "later"]);
 * jobs.putNowait([1, "first"]);
 * jobs.getNowait(); // [1, "first"]
 * const byDeadline = new PriorityQueue<Job>({ compare: (a, b) => a.deadline - b.deadline });
 * ```
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /**
   * @param options - `{ maxsize, compare }`.
   * @throws {TypeError} as Queue's constructor, and for a `compare` that is
   *   not a function.
   */
  constructor(options: PriorityQueueOptions<T> = {}) {
    super(options);
  }

  /** @internal */
  protected override _init(options: PriorityQueueOptions<T>): _Store<T> {
    const compare = options.compare;
    if (compare === undefined) return new Heap<T>(pythonLess);
    if (typeof compare !== "function") {
      throw typeError(`PriorityQueue() compare must be a function (a, b) => number, got ${show(compare)}`);
    }
    return new Heap<T>((a, b) => compare(a, b) < 0);
  }
}

// put(), get() and join() bodies as the Coroutines' functions, named as
// CPython's coroutines: `<coroutine Queue.get()>`.
function put<T>(queue: Queue<T>, item: T): Promise<void> {
  return queue._putCoro(item);
}
function get<T>(queue: Queue<T>): Promise<T> {
  return queue._getCoro();
}
function join(queue: Queue<unknown>): Promise<void> {
  return queue._joinCoro();
}
for (const [fn, name] of [
  [put, "Queue.put"],
  [get, "Queue.get"],
  [join, "Queue.join"],
] as const) {
  Object.defineProperty(fn, "name", { value: name });
}

async function nextItem<T>(queue: Queue<T>): Promise<IteratorResult<T, undefined>> {
  try {
    return { done: false, value: await queue.get() };
  } catch (err) {
    if (err instanceof QueueShutDown) return { done: true, value: undefined };
    throw err;
  }
}

function wakeAll(waiters: _Deque<Future<void>>): void {
  while (waiters.length > 0) {
    const waiter = waiters.take();
    if (!waiter.done()) waiter.setResult(undefined);
  }
}

function shutDownForPut(): QueueShutDown {
  return new QueueShutDown("the queue was shut down: put() and putNowait() take no more items after shutdown()");
}

function shutDownForGet(): QueueShutDown {
  return new QueueShutDown("the queue was shut down and is empty: get() and getNowait() have no more items to give");
}

/** Checks the constructor's options; returns maxsize. */
function checkOptions(queue: Queue<unknown>, options: unknown): number {
  const name = queue.constructor.name;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    if (typeof options === "number") {
      throw typeError(`${name}() takes an options object: new ${name}({ maxsize: ${options} })`);
    }
    throw typeError(`${name}() options must be an object such as { maxsize: 10 }, got ${show(options)}`);
  }
  const allowed = queue instanceof PriorityQueue ? ["maxsize", "compare"] : ["maxsize"];
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw typeError(`${name}() got an unknown option ${show(key)}: the options are ${allowed.join(" and ")}`);
    }
  }
  const maxsize = (options as QueueOptions).maxsize ?? 0;
  if (typeof maxsize !== "number") {
    throw typeError(`${name}() maxsize must be an integer, got ${show(maxsize)}`);
  }
  if (!Number.isInteger(maxsize)) {
    throw rangeError(`${name}() maxsize must be an integer, got ${maxsize}: use 0 (the default) for no limit`);
  }
  return maxsize;
}

/**
 * Python's `a < b` for the default PriorityQueue order: numbers and bigints
 * with each other, strings with strings, arrays element by element as
 * tuples (the first unequal elements decide, else the shorter comes first).
 */
function pythonLess(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return a < b;
  if (typeof a === "string" && typeof b === "string") return a < b;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!pythonEqual(a[i], b[i])) return pythonLess(a[i], b[i]);
    }
    return a.length < b.length;
  }
  throw typeError(
    `PriorityQueue cannot order ${show(a)} and ${show(b)}: without a compare option it orders numbers, bigints, strings and arrays of them (element by element, as Python tuples). ` +
      "Pass new PriorityQueue({ compare: (a, b) => ... }), or give [priority, item] entries a tie-breaker: [priority, count, item]",
    "ERR_ASYNCIO_NOT_ORDERABLE",
  );
}

/** Python's `==` as tuple comparison uses it: numbers by value, arrays element by element, the rest by identity. */
function pythonEqual(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return a == b; // 1 == 1n, as in Python.
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => pythonEqual(x, b[i]));
  }
  return Object.is(a, b);
}

function isNumeric(value: unknown): value is number | bigint {
  return typeof value === "number" || typeof value === "bigint";
}
