/**
 * Tests of Queue, LifoQueue and PriorityQueue, ported from CPython 3.13
 * Lib/test/test_asyncio/test_queues.py, plus tests of the JavaScript parts
 * (options, `for await`, the PriorityQueue order, error messages, the loop
 * binding).
 *
 * CPython's tests run their concurrent tasks in an `async with
 * asyncio.TaskGroup()`; here the tasks are made with createTask and awaited
 * (or gathered) where the block would end. `await asyncio.sleep(0)` (one
 * loop turn, as test_utils.run_briefly) is `await sleep(0)`, and time is
 * virtual, so nothing waits on the wall clock.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  CancelledError,
  type Future,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  RuntimeError,
  TimeoutError,
  createTask,
  gather,
  getRunningLoop,
  sleep,
  waitFor,
  type QueueOptions,
} from "asyncio-ts";
import { runVirtual as runVirtualLoop } from "./support/virtual-loop.js";

/**
 * runVirtual(main), where a deadlock (a test whose tasks all wait, as
 * CPython's would hang) ends in a TimeoutError after an hour of virtual
 * time, at once. `main` runs inline in the main task (waitFor of an async
 * function), so the order of everything else is unchanged.
 */
const runVirtual = <T>(main: () => T | PromiseLike<T>): Promise<Awaited<T>> =>
  runVirtualLoop(() => waitFor(async () => main(), 3600)) as Promise<Awaited<T>>;

type QueueClass = new <T>(options?: QueueOptions) => Queue<T>;
const QUEUE_CLASSES: [string, QueueClass][] = [
  ["Queue", Queue],
  ["LifoQueue", LifoQueue],
  ["PriorityQueue", PriorityQueue],
];

/** The private state CPython's tests read or change. */
interface Internals {
  _getters: { length: number; push(waiter: Future<void>): void };
  _putters: { length: number; push(waiter: Future<void>): void };
  _unfinishedTasks: number;
  _format(): string;
}
const internals = (q: Queue<any>): Internals => q as unknown as Internals;

/** What `fn` throws (it must throw), for assert.throws-like checks of awaits. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  return assert.fail("expected it to throw");
}

async function assertShutDown(fn: () => unknown): Promise<void> {
  assert.ok((await thrown(fn)) instanceof QueueShutDown, "Didn't appear to shut-down queue");
}

describe("QueueBasicTests", () => {
  // Ported from test_queues.py: QueueBasicTests.test_str (CPython 3.13)
  it("toString() shows the getters, the putters and the items", async () => {
    await runVirtual(async () => {
      let q = new Queue<number>();
      assert.ok(q.toString().startsWith("<Queue"), q.toString());

      // getters
      q = new Queue<number>();
      const getter = createTask(q.get());
      await sleep(0);
      assert.ok(q.toString().includes("_getters[1]"), q.toString());
      q.putNowait(0);
      assert.equal(await getter, 0);

      // putters
      q = new Queue<number>({ maxsize: 1 });
      q.putNowait(1);
      const putter = createTask(q.put(2));
      await sleep(0);
      assert.ok(q.toString().includes("_putters[1]"), q.toString());
      q.getNowait();
      await putter;
      assert.ok(putter.done());

      q = new Queue<number>();
      q.putNowait(1);
      assert.ok(q.toString().includes("_queue=[1]"), q.toString());
    });
  });

  // Ported from test_queues.py: QueueBasicTests.test_empty (CPython 3.13)
  it("empty()", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      assert.ok(q.empty());
      await q.put(1);
      assert.ok(!q.empty());
      assert.equal(await q.get(), 1);
      assert.ok(q.empty());
    });
  });

  // Ported from test_queues.py: QueueBasicTests.test_full (CPython 3.13)
  it("full()", async () => {
    await runVirtual(async () => {
      let q = new Queue<number>();
      assert.ok(!q.full());
      q = new Queue<number>({ maxsize: 1 });
      await q.put(1);
      assert.ok(q.full());
    });
  });

  // Ported from test_queues.py: QueueBasicTests.test_order (CPython 3.13)
  it("is first in, first out", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      assert.deepEqual(items, [1, 3, 2]);
    });
  });

  // Ported from test_queues.py: QueueBasicTests.test_maxsize (CPython 3.13)
  it("put() waits while maxsize items are in the queue", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>({ maxsize: 2 });
      assert.equal(q.maxsize, 2);
      const haveBeenPut: number[] = [];
      const t = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          await q.put(i);
          haveBeenPut.push(i);
        }
        return true;
      });
      for (let i = 0; i < 2; i++) await sleep(0);

      // The putter is blocked after putting two items.
      assert.deepEqual(haveBeenPut, [0, 1]);
      assert.equal(await q.get(), 0);

      // Let the putter resume and put the last item.
      await sleep(0);
      assert.deepEqual(haveBeenPut, [0, 1, 2]);
      assert.equal(await q.get(), 1);
      assert.equal(await q.get(), 2);

      assert.ok(t.done());
      assert.equal(t.result(), true);
    });
  });
});

describe("QueueGetTests", () => {
  // Ported from test_queues.py: QueueGetTests.test_blocking_get (CPython 3.13)
  it("get() of an item there", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      assert.equal(await q.get(), 1);
    });
  });

  // Ported from test_queues.py: QueueGetTests.test_get_with_putters (CPython 3.13)
  it("get() wakes a putter", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const q = new Queue<number>({ maxsize: 1 });
      await q.put(1);
      const waiter = loop.createFuture<void>();
      internals(q)._putters.push(waiter);
      assert.equal(await q.get(), 1);
      assert.ok(waiter.done());
      assert.equal(waiter.result(), undefined);
    });
  });

  // Ported from test_queues.py: QueueGetTests.test_blocking_get_wait (CPython 3.13)
  it("get() waits for an item", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const q = new Queue<number>();
      const started = loop.createFuture<void>(); // CPython's asyncio.Event
      let finished = false;
      const queueGetTask = createTask(async () => {
        started.setResult();
        const res = await q.get();
        finished = true;
        return res;
      });
      await started;
      assert.equal(finished, false);
      loop.callLater(0.01, () => q.putNowait(1));
      const res = await queueGetTask;
      assert.equal(finished, true);
      assert.equal(res, 1);
    });
  });

  // Ported from test_queues.py: QueueGetTests.test_nonblocking_get (CPython 3.13)
  it("getNowait()", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    assert.equal(q.getNowait(), 1);
  });

  // Ported from test_queues.py: QueueGetTests.test_nonblocking_get_exception (CPython 3.13)
  it("getNowait() of an empty queue throws QueueEmpty", () => {
    const q = new Queue<number>();
    assert.throws(() => q.getNowait(), QueueEmpty);
  });

  // Ported from test_queues.py: QueueGetTests.test_get_cancelled_race (CPython 3.13)
  it("a getter cancelled while waiting does not take the item", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>();
      const t1 = createTask(q.get());
      const t2 = createTask(q.get());
      await sleep(0);
      t1.cancel();
      await sleep(0);
      assert.ok(t1.done());
      await q.put("a");
      await sleep(0);
      assert.equal(await t2, "a");
    });
  });

  // Ported from test_queues.py: QueueGetTests.test_get_with_waiting_putters (CPython 3.13)
  it("get() with putters waiting", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>({ maxsize: 1 });
      createTask(q.put("a"));
      createTask(q.put("b"));
      assert.equal(await q.get(), "a");
      assert.equal(await q.get(), "b");
    });
  });

  // Ported from test_queues.py: QueueGetTests.test_why_are_getters_waiting (CPython 3.13)
  it("a producer and a consumer on a queue of one do not get stuck", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>({ maxsize: 1 });
      const producerNumItems = 5;
      const consumer = async (): Promise<void> => {
        for (let i = 0; i < producerNumItems; i++) await q.get();
      };
      const producer = async (): Promise<void> => {
        for (let i = 0; i < producerNumItems; i++) await q.put(i);
      };
      await gather(createTask(producer), createTask(consumer));
    });
  });

  // Ported from test_queues.py: QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters (CPython 3.13)
  it("a getter cancelled by waitFor() leaves no waiter behind", async () => {
    await runVirtual(async () => {
      const queue = new Queue<number>({ maxsize: 5 });
      assert.ok((await thrown(() => waitFor(queue.get(), 0.1))) instanceof TimeoutError);
      assert.equal(internals(queue)._getters.length, 0);
    });
  });
});

describe("QueuePutTests", () => {
  // Ported from test_queues.py: QueuePutTests.test_blocking_put (CPython 3.13)
  it("put() without maxsize does not wait", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      await q.put(1);
      assert.equal(await q.get(), 1);
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_blocking_put_wait (CPython 3.13)
  it("put() waits for a free slot", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const q = new Queue<number>({ maxsize: 1 });
      const started = loop.createFuture<void>(); // CPython's asyncio.Event
      let finished = false;
      loop.callLater(0.01, () => q.getNowait());
      const queuePutTask = createTask(async () => {
        started.setResult();
        await q.put(1);
        await q.put(2);
        finished = true;
      });
      await started;
      assert.equal(finished, false);
      await queuePutTask;
      assert.equal(finished, true);
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_nonblocking_put (CPython 3.13)
  it("putNowait()", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    assert.equal(q.getNowait(), 1);
  });

  // Ported from test_queues.py: QueuePutTests.test_get_cancel_drop_one_pending_reader (CPython 3.13)
  it("a reader cancelled after it was woken drops no item", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      let reader = createTask(q.get());
      await sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        await reader;
      } catch (err) {
        assert.ok(err instanceof CancelledError);
        // try again
        reader = createTask(q.get());
        await reader;
      }
      // If we get 2, 1 got dropped.
      assert.equal(reader.result(), 1);
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_get_cancel_drop_many_pending_readers (CPython 3.13)
  it("a reader cancelled after it was woken passes the wake-up on", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      const reader1 = createTask(q.get());
      const reader2 = createTask(q.get());
      const reader3 = createTask(q.get());
      await sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      reader1.cancel();
      assert.ok((await thrown(() => reader1)) instanceof CancelledError);
      await reader3;
      await reader2; // Where the TaskGroup's block ends.
      // It is undefined in which order concurrent readers receive results.
      assert.deepEqual(new Set([reader2.result(), reader3.result()]), new Set([1, 2]));
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_put_cancel_drop (CPython 3.13)
  it("a writer cancelled after it was woken puts nothing", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>({ maxsize: 1 });
      q.putNowait(1);
      // Putting a second item has to wait (maxsize 1).
      let writer = createTask(q.put(2));
      await sleep(0);
      assert.equal(q.getNowait(), 1);
      writer.cancel();
      try {
        await writer;
      } catch (err) {
        assert.ok(err instanceof CancelledError);
        // try again
        writer = createTask(q.put(2));
        await writer;
      }
      assert.equal(q.getNowait(), 2);
      assert.equal(q.qsize(), 0);
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_nonblocking_put_exception (CPython 3.13)
  it("putNowait() on a full queue throws QueueFull", () => {
    const q = new Queue<number>({ maxsize: 1 });
    q.putNowait(1);
    assert.throws(() => q.putNowait(2), QueueFull);
  });

  // Ported from test_queues.py: QueuePutTests.test_put_cancelled (CPython 3.13)
  it("put() in a task", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      const t = createTask(async () => {
        await q.put(1);
        return true;
      });
      assert.equal(await q.get(), 1);
      assert.ok(t.done());
      assert.equal(t.result(), true);
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_put_cancelled_race (CPython 3.13)
  it("a putter cancelled while waiting puts nothing", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>({ maxsize: 1 });
      const putA = createTask(q.put("a"));
      const putB = createTask(q.put("b"));
      const putC = createTask(q.put("X"));
      await sleep(0);
      assert.ok(putA.done());
      assert.ok(!putB.done());
      putC.cancel();
      await sleep(0);
      assert.ok(putC.done());
      assert.equal(q.getNowait(), "a");
      await sleep(0);
      assert.equal(q.getNowait(), "b");
      await putB;
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_put_with_waiting_getters (CPython 3.13)
  it("put() with a getter waiting", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>();
      const t = createTask(q.get());
      await sleep(0);
      await q.put("a");
      assert.equal(await t, "a");
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_why_are_putters_waiting (CPython 3.13)
  it("putters woken by getNowait() calls do not get stuck", async () => {
    await runVirtual(async () => {
      const queue = new Queue<number>({ maxsize: 2 });
      const putter = (item: number) => async (): Promise<void> => {
        await queue.put(item);
      };
      const getter = async (): Promise<void> => {
        await sleep(0);
        const num = queue.qsize();
        for (let i = 0; i < num; i++) queue.getNowait();
      };
      await gather(getter, putter(0), putter(1), putter(2), putter(3));
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters (CPython 3.13)
  it("a cancelled putter leaves no waiter behind", async () => {
    await runVirtual(async () => {
      const queue = new Queue<number>({ maxsize: 1 });
      queue.putNowait(1);
      const putTask = createTask(queue.put(1));
      await sleep(0);
      assert.equal(internals(queue)._putters.length, 1);
      putTask.cancel();
      assert.ok((await thrown(() => putTask)) instanceof CancelledError);
      assert.equal(internals(queue)._putters.length, 0);
    });
  });

  // Ported from test_queues.py: QueuePutTests.test_cancelled_put_silence_value_error_exception (CPython 3.13)
  it("a putter cancelled after getNowait() took its waiter out throws CancelledError", async () => {
    await runVirtual(async () => {
      const queue = new Queue<number>({ maxsize: 1 });
      queue.putNowait(1);
      const putTask = createTask(queue.put(1));
      await sleep(0);
      // getNowait() takes the putter's Future out of the putters.
      queue.getNowait();
      putTask.cancel();
      assert.ok((await thrown(() => putTask)) instanceof CancelledError);
    });
  });
});

describe("LifoQueueTests", () => {
  // Ported from test_queues.py: LifoQueueTests.test_order (CPython 3.13)
  it("is last in, first out", async () => {
    await runVirtual(async () => {
      const q = new LifoQueue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      assert.deepEqual(items, [2, 3, 1]);
    });
  });
});

describe("PriorityQueueTests", () => {
  // Ported from test_queues.py: PriorityQueueTests.test_order (CPython 3.13)
  it("gives the smallest first", async () => {
    await runVirtual(async () => {
      const q = new PriorityQueue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      assert.deepEqual(items, [1, 2, 3]);
    });
  });
});

for (const [name, QueueClass] of QUEUE_CLASSES) {
  describe(`${name}JoinTests`, () => {
    // Ported from test_queues.py: QueueJoinTests.test_task_done_underflow,
    // LifoQueueJoinTests.test_task_done_underflow, PriorityQueueJoinTests.test_task_done_underflow (CPython 3.13)
    it("taskDone() without an item throws a RangeError (ValueError)", () => {
      const q = new QueueClass<number>();
      assert.throws(() => q.taskDone(), RangeError);
    });

    // Ported from test_queues.py: QueueJoinTests.test_task_done, LifoQueueJoinTests.test_task_done,
    // PriorityQueueJoinTests.test_task_done (CPython 3.13)
    it("join() waits until every item is marked done", async () => {
      await runVirtual(async () => {
        const q = new QueueClass<number>();
        for (let i = 0; i < 100; i++) q.putNowait(i);
        let accumulator = 0;
        // Two workers get items and call taskDone() after each.
        let running = true;
        const worker = async (): Promise<void> => {
          while (running) {
            const item = await q.get();
            accumulator += item;
            q.taskDone();
          }
        };
        const tasks = [createTask(worker), createTask(worker)];
        await q.join();
        assert.equal(accumulator, (99 * 100) / 2);
        // Stop the workers.
        running = false;
        for (let i = 0; i < tasks.length; i++) q.putNowait(0);
        await gather(...tasks);
      });
    });

    // Ported from test_queues.py: QueueJoinTests.test_join_empty_queue, LifoQueueJoinTests.test_join_empty_queue,
    // PriorityQueueJoinTests.test_join_empty_queue (CPython 3.13)
    it("join() of an empty queue returns", async () => {
      await runVirtual(async () => {
        const q = new QueueClass<number>();
        await q.join();
        await q.join();
      });
    });

    // Ported from test_queues.py: QueueJoinTests.test_format, LifoQueueJoinTests.test_format,
    // PriorityQueueJoinTests.test_format (CPython 3.13)
    it("_format() shows the unfinished tasks", () => {
      const q = new QueueClass<number>();
      assert.equal(internals(q)._format(), "maxsize=0");
      internals(q)._unfinishedTasks = 2;
      assert.equal(internals(q)._format(), "maxsize=0 tasks=2");
    });
  });

  describe(`${name}ShutdownTests`, () => {
    // Ported from test_queues.py: QueueShutdownTests.test_format, LifoQueueShutdownTests.test_format,
    // PriorityQueueShutdownTests.test_format (CPython 3.13)
    it("_format() shows shutdown", async () => {
      await runVirtual(() => {
        const q = new QueueClass<number>();
        q.shutdown();
        assert.equal(internals(q)._format(), "maxsize=0 shutdown");
      });
    });

    // Ported from test_queues.py: QueueShutdownTests.test_shutdown_empty, LifoQueueShutdownTests.test_shutdown_empty,
    // PriorityQueueShutdownTests.test_shutdown_empty (CPython 3.13)
    it("shutdown() of an empty queue", async () => {
      await runVirtual(async () => {
        const q = new QueueClass<string>();
        const getTask = createTask(q.get());
        await sleep(0); // The get() task waits before the shutdown.
        q.shutdown(false); // unfinished tasks: 0 -> 0
        assert.equal(q.qsize(), 0);
        // join() returns.
        await q.join();
        // The get() task is done, with QueueShutDown.
        await sleep(0);
        assert.ok(getTask.done());
        await assertShutDown(() => getTask);
        // put() and get() throw QueueShutDown.
        await assertShutDown(() => q.put("data"));
        await assertShutDown(() => q.putNowait("data"));
        await assertShutDown(() => q.get());
        await assertShutDown(() => q.getNowait());
      });
    });

    // Ported from test_queues.py: QueueShutdownTests.test_shutdown_nonempty, LifoQueueShutdownTests.test_shutdown_nonempty,
    // PriorityQueueShutdownTests.test_shutdown_nonempty (CPython 3.13)
    it("shutdown() of a queue with an item", async () => {
      await runVirtual(async () => {
        const q = new QueueClass<string>({ maxsize: 1 });
        q.putNowait("data");
        const joinTask = createTask(q.join());
        const putTask = createTask(q.put("data2"));
        // The put() task waits.
        await sleep(0);
        assert.ok(!putTask.done());
        q.shutdown(false); // unfinished tasks: 1 -> 1
        assert.equal(q.qsize(), 1);
        // The put() task is done, with QueueShutDown.
        await sleep(0);
        assert.ok(putTask.done());
        await assertShutDown(() => putTask);
        // get() takes the item left.
        assert.equal(await q.get(), "data");
        // join() is not done.
        await sleep(0);
        assert.ok(!joinTask.done());
        // put() and get() throw QueueShutDown.
        await assertShutDown(() => q.put("data"));
        await assertShutDown(() => q.putNowait("data"));
        await assertShutDown(() => q.get());
        await assertShutDown(() => q.getNowait());
        // One unfinished task; then join() is done.
        q.taskDone();
        await sleep(0);
        assert.ok(joinTask.done());
        await joinTask;
        assert.throws(() => q.taskDone(), RangeError, "Didn't appear to mark all tasks done");
      });
    });

    // Ported from test_queues.py: QueueShutdownTests.test_shutdown_immediate, LifoQueueShutdownTests.test_shutdown_immediate,
    // PriorityQueueShutdownTests.test_shutdown_immediate (CPython 3.13)
    it("shutdown(true) drops the items and marks them done", async () => {
      await runVirtual(async () => {
        const q = new QueueClass<string>();
        q.putNowait("data");
        const joinTask = createTask(q.join());
        q.shutdown(true); // unfinished tasks: 1 -> 0
        assert.equal(q.qsize(), 0);
        // join() is done.
        await sleep(0);
        assert.ok(joinTask.done());
        await joinTask;
        // put() and get() throw QueueShutDown.
        await assertShutDown(() => q.put("data"));
        await assertShutDown(() => q.putNowait("data"));
        await assertShutDown(() => q.get());
        await assertShutDown(() => q.getNowait());
        // No unfinished tasks.
        assert.throws(() => q.taskDone(), RangeError, "Didn't appear to mark all tasks done");
      });
    });

    // Ported from test_queues.py: QueueShutdownTests.test_shutdown_immediate_with_unfinished,
    // LifoQueueShutdownTests.test_shutdown_immediate_with_unfinished,
    // PriorityQueueShutdownTests.test_shutdown_immediate_with_unfinished (CPython 3.13)
    it("shutdown(true) leaves the items taken unfinished", async () => {
      await runVirtual(async () => {
        const q = new QueueClass<string>();
        q.putNowait("data");
        q.putNowait("data");
        const joinTask = createTask(q.join());
        assert.equal(await q.get(), "data");
        q.shutdown(true); // unfinished tasks: 2 -> 1
        assert.equal(q.qsize(), 0);
        // join() is not done.
        await sleep(0);
        assert.ok(!joinTask.done());
        // put() and get() throw QueueShutDown.
        await assertShutDown(() => q.put("data"));
        await assertShutDown(() => q.putNowait("data"));
        await assertShutDown(() => q.get());
        await assertShutDown(() => q.getNowait());
        // One unfinished task.
        q.taskDone();
        assert.throws(() => q.taskDone(), RangeError, "Didn't appear to mark all tasks done");
        // join() is done.
        await sleep(0);
        assert.ok(joinTask.done());
        await joinTask;
      });
    });
  });
}

describe("Queue: cancellation while being woken (checked against CPython 3.13)", () => {
  it("a putter cancelled after getNowait() woke it passes the wake-up on", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>({ maxsize: 1 });
      q.putNowait(0);
      const p1 = createTask(q.put(1));
      const p2 = createTask(q.put(2));
      await sleep(0);
      assert.equal(q.getNowait(), 0); // Wakes p1.
      p1.cancel();
      await sleep(0); // p1 wakes with CancelledError and wakes p2.
      assert.ok(p1.cancelled());
      assert.equal(p2.done(), false);
      assert.equal(q.qsize(), 0);
      await sleep(0);
      assert.ok(p2.done());
      assert.equal(q.getNowait(), 2);
    });
  });
});

describe("Queue: many items", () => {
  it("stays first in, first out through long runs of puts and gets", () => {
    const q = new Queue<number>();
    let next = 0;
    let expected = 0;
    for (const [puts, gets] of [
      [3000, 2000],
      [2000, 2500],
      [10, 510],
      [5000, 4999],
    ] as const) {
      for (let i = 0; i < puts; i++) q.putNowait(next++);
      for (let i = 0; i < gets; i++) assert.equal(q.getNowait(), expected++);
      assert.equal(q.qsize(), next - expected);
    }
    assert.equal(q.getNowait(), next - 1);
    assert.ok(q.empty());
  });
});

describe("Queue: options", () => {
  it("takes { maxsize }; 0 or less is no limit", () => {
    assert.equal(new Queue().maxsize, 0);
    assert.equal(new Queue({ maxsize: 3 }).maxsize, 3);
    const q = new Queue<number>({ maxsize: -1 });
    for (let i = 0; i < 100; i++) q.putNowait(i);
    assert.equal(q.full(), false);
    assert.equal(q.qsize(), 100);
  });

  it("refuses a number, a non-integer maxsize and unknown options, saying what to write", () => {
    const cases: [() => unknown, ErrorConstructor, string][] = [
      [() => new Queue(10 as never), TypeError, "Queue() takes an options object: new Queue({ maxsize: 10 })"],
      [
        () => new LifoQueue(null as never),
        TypeError,
        "LifoQueue() options must be an object such as { maxsize: 10 }, got null",
      ],
      [
        () => new Queue({ maxsize: 1.5 }),
        RangeError,
        "Queue() maxsize must be an integer, got 1.5: use 0 (the default) for no limit",
      ],
      [
        () => new Queue({ maxsize: Infinity }),
        RangeError,
        "Queue() maxsize must be an integer, got Infinity: use 0 (the default) for no limit",
      ],
      [
        () => new Queue({ maxsize: NaN }),
        RangeError,
        "Queue() maxsize must be an integer, got NaN: use 0 (the default) for no limit",
      ],
      [() => new Queue({ maxsize: "2" as never }), TypeError, "Queue() maxsize must be an integer, got '2'"],
      [
        () => new Queue({ maxSize: 2 } as never),
        TypeError,
        "Queue() got an unknown option 'maxSize': the options are maxsize",
      ],
      [
        () => new PriorityQueue({ key: 1 } as never),
        TypeError,
        "PriorityQueue() got an unknown option 'key': the options are maxsize and compare",
      ],
      [
        () => new PriorityQueue({ compare: 1 as never }),
        TypeError,
        "PriorityQueue() compare must be a function (a, b) => number, got 1",
      ],
    ];
    for (const [fn, type, message] of cases) assert.throws(fn, (err) => err instanceof type && err.message === message);
  });
});

describe("Queue: errors", () => {
  it("say what happened and what to do", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>({ maxsize: 1 });
      assert.throws(() => q.getNowait(), {
        name: "QueueEmpty",
        code: "ERR_ASYNCIO_QUEUE_EMPTY",
        message: "getNowait() on an empty queue: await get() to wait for an item, or check empty() first",
      });
      q.putNowait(1);
      assert.throws(() => q.putNowait(2), {
        name: "QueueFull",
        code: "ERR_ASYNCIO_QUEUE_FULL",
        message: "putNowait() on a full queue (maxsize=1): await put() to wait for a free slot, or check full() first",
      });
      q.getNowait();
      q.taskDone();
      assert.throws(() => q.taskDone(), {
        name: "RangeError",
        code: "ERR_ASYNCIO_TASK_DONE_TOO_MANY_TIMES",
        message: "taskDone() called too many times: call it once for each item taken with get() or getNowait()",
      });
      q.shutdown();
      const putMessage = "the queue was shut down: put() and putNowait() take no more items after shutdown()";
      const getMessage = "the queue was shut down and is empty: get() and getNowait() have no more items to give";
      for (const fn of [() => q.put(1), () => q.putNowait(1)]) {
        const err = await thrown(fn);
        assert.ok(err instanceof QueueShutDown);
        assert.equal(err.code, "ERR_ASYNCIO_QUEUE_SHUT_DOWN");
        assert.equal(err.message, putMessage);
      }
      for (const fn of [() => q.get(), () => q.getNowait()]) {
        assert.equal(((await thrown(fn)) as Error).message, getMessage);
      }
    });
  });

  it("a queue is bound to the loop that first waits on it", async () => {
    const q = new Queue<number>();
    await runVirtual(async () => {
      const t = createTask(q.get());
      await sleep(0);
      q.putNowait(1);
      assert.equal(await t, 1);
    });
    await runVirtual(async () => {
      // What does not wait works from any loop, as in CPython.
      q.putNowait(5);
      assert.equal(await q.get(), 5);
      await q.put(3);
      assert.equal(q.getNowait(), 3);
      const err = await thrown(() => q.get());
      assert.ok(err instanceof RuntimeError);
      assert.equal(
        err.message,
        "<Queue maxsize=0 tasks=3> is bound to a different event loop: a queue belongs to the loop that first waits on it; make a new queue in each run()",
      );
    });
  });

  it("put(), get() and join() are lazy Coroutines, as calling an async def", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      const coro = q.get();
      assert.equal(String(coro), "<coroutine Queue.get()>");
      assert.equal(String(q.put(1)), "<coroutine Queue.put()>");
      assert.equal(String(q.join()), "<coroutine Queue.join()>");
      await sleep(0);
      assert.equal(q.qsize(), 0); // The put(1) above never ran.
      assert.equal(internals(q)._getters.length, 0);
      const t = createTask(coro);
      await sleep(0);
      assert.equal(internals(q)._getters.length, 1);
      q.putNowait(7);
      assert.equal(await t, 7);
      // An item that is there is taken in the same step, with no loop turn.
      let ran = false;
      getRunningLoop().callSoon(() => (ran = true));
      await q.put(8);
      assert.equal(await q.get(), 8);
      assert.equal(ran, false);
    });
  });
});

describe("Queue: toString()", () => {
  it("is CPython's str(), with items as Python lists show them", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      q.putNowait(2);
      assert.equal(q.toString(), "<Queue maxsize=0 _queue=[1, 2] tasks=2>");
      assert.equal(inspect(q), "<Queue maxsize=0 _queue=[1, 2] tasks=2>");
      const pq = new PriorityQueue<[number, string]>({ maxsize: 5 });
      for (const x of [
        [2, "b"],
        [1, "z"],
        [2, "a"],
        [1, "a"],
      ] as [number, string][])
        pq.putNowait(x);
      // The heap's list, as CPython 3.13 prints it.
      assert.equal(String(pq), "<PriorityQueue maxsize=5 _queue=[[1, 'a'], [1, 'z'], [2, 'a'], [2, 'b']] tasks=4>");
      const lq = new LifoQueue<string>();
      lq.shutdown();
      assert.equal(`${lq}`, "<LifoQueue maxsize=0 shutdown>");
    });
  });
});

describe("Queue: for await", () => {
  it("gives the items until the queue is shut down and empty", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      const seen: number[] = [];
      const consumer = createTask(async () => {
        for await (const item of q) seen.push(item);
        return "ended";
      });
      for (const i of [1, 2, 3]) await q.put(i);
      await sleep(0);
      q.putNowait(4);
      q.shutdown();
      assert.equal(await consumer, "ended");
      assert.deepEqual(seen, [1, 2, 3, 4]);
    });
  });

  it("ends at once after shutdown(true), dropping the items", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      q.putNowait(2);
      q.shutdown(true);
      const seen: number[] = [];
      for await (const item of q) seen.push(item);
      assert.deepEqual(seen, []);
    });
  });

  it("does not call taskDone(): join() waits for the consumer's taskDone() calls", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      q.putNowait(2);
      const joined = createTask(q.join());
      const consumer = createTask(async () => {
        for await (const item of q) {
          await sleep(item);
          assert.equal(joined.done(), false);
          q.taskDone();
        }
      });
      await joined;
      assert.equal(getRunningLoop().time(), 3);
      assert.equal(internals(q)._unfinishedTasks, 0);
      q.shutdown();
      await consumer;
    });
  });

  it("breaking out leaves the queue usable, with no getter behind", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      for (const i of [1, 2, 3]) q.putNowait(i);
      for await (const item of q) {
        assert.equal(item, 1);
        break;
      }
      assert.equal(q.getNowait(), 2);
      assert.equal(internals(q)._getters.length, 0);
      const again: number[] = [];
      for await (const item of q) {
        again.push(item);
        if (q.empty()) break;
      }
      assert.deepEqual(again, [3]);
      await q.put(4);
      assert.equal(await q.get(), 4);
    });
  });

  it("a task cancelled while waiting in the loop gets CancelledError and leaves no getter", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      const consumer = createTask(async () => {
        for await (const item of q) void item;
      });
      await sleep(0);
      assert.equal(internals(q)._getters.length, 1);
      consumer.cancel();
      assert.ok((await thrown(() => consumer)) instanceof CancelledError);
      assert.equal(internals(q)._getters.length, 0);
      q.putNowait(1);
      assert.equal(await q.get(), 1);
    });
  });
});

describe("PriorityQueue: order", () => {
  const drain = <T>(q: PriorityQueue<T>): T[] => {
    const out: T[] = [];
    while (!q.empty()) out.push(q.getNowait());
    return out;
  };

  it("orders numbers with bigints, strings, and arrays as Python tuples", () => {
    const nums = new PriorityQueue<number | bigint>();
    for (const x of [3n, 1, 2.5, 2n, -1]) nums.putNowait(x);
    assert.deepEqual(drain(nums), [-1, 1, 2n, 2.5, 3n]);
    const strings = new PriorityQueue<string>();
    for (const x of ["b", "ab", "a", "B"]) strings.putNowait(x);
    assert.deepEqual(drain(strings), ["B", "a", "ab", "b"]);
    const tuples = new PriorityQueue<unknown[]>();
    for (const x of [[2, "b"], [1, "z"], [1], [2, "a", 0], [1, "a"], [2, "a"], [3n, [1]], [3, [0, "x"]]])
      tuples.putNowait(x);
    assert.deepEqual(drain(tuples), [
      [1],
      [1, "a"],
      [1, "z"],
      [2, "a"],
      [2, "a", 0],
      [2, "b"],
      [3, [0, "x"]],
      [3n, [1]],
    ]);
  });

  it("[priority, item] entries never compare items of different priorities", () => {
    const q = new PriorityQueue<[number, { name: string }]>();
    for (const [p, name] of [
      [3, "c"],
      [1, "a"],
      [2, "b"],
    ] as const)
      q.putNowait([p, { name }]);
    assert.deepEqual(
      drain(q).map(([, job]) => job.name),
      ["a", "b", "c"],
    );
  });

  it("equal priorities come out in heapq's order (as CPython 3.13), not in the order put", () => {
    const q = new PriorityQueue<[number, string]>({ compare: (a, b) => a[0] - b[0] });
    for (const x of [
      [1, "a"],
      [1, "b"],
      [1, "c"],
      [0, "d"],
      [1, "e"],
      [1, "f"],
      [0, "g"],
    ] as [number, string][]) {
      q.putNowait(x);
    }
    // heapq.heappush and heappop of items compared by priority alone.
    assert.equal(
      internals(q)._format(),
      "maxsize=0 _queue=[[0, 'd'], [1, 'a'], [0, 'g'], [1, 'b'], [1, 'e'], [1, 'f'], [1, 'c']] tasks=7",
    );
    assert.deepEqual(
      drain(q).map(([p, l]) => `${p}${l}`),
      ["0d", "0g", "1f", "1c", "1e", "1a", "1b"],
    );
  });

  it("a compare option orders anything", () => {
    const q = new PriorityQueue<{ deadline: number }>({ compare: (a, b) => b.deadline - a.deadline, maxsize: 3 });
    for (const deadline of [5, 9, 1]) q.putNowait({ deadline });
    assert.ok(q.full());
    assert.deepEqual(
      drain(q).map((x) => x.deadline),
      [9, 5, 1],
    );
  });

  it("gives the smallest first through any mix of puts and gets (a binary heap)", () => {
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 1000;
    const q = new PriorityQueue<number>();
    const reference: number[] = [];
    for (let i = 0; i < 5000; i++) {
      if (random() < 550 || reference.length === 0) {
        const x = random();
        q.putNowait(x);
        reference.push(x);
        reference.sort((a, b) => a - b);
      } else {
        assert.equal(q.getNowait(), reference.shift());
      }
      assert.equal(q.qsize(), reference.length);
    }
  });

  it("items the default order cannot compare get a TypeError that says to pass compare, and nothing is lost", () => {
    const message =
      "PriorityQueue cannot order {} and 1: without a compare option it orders numbers, bigints, strings and arrays of them (element by element, as Python tuples). " +
      "Pass new PriorityQueue({ compare: (a, b) => ... }), or give [priority, item] entries a tie-breaker: [priority, count, item]";
    const q = new PriorityQueue<unknown>();
    q.putNowait(1);
    assert.throws(() => q.putNowait({}), { name: "TypeError", code: "ERR_ASYNCIO_NOT_ORDERABLE", message });
    assert.equal(q.qsize(), 1);
    assert.equal(internals(q)._unfinishedTasks, 1);

    // Equal priorities compare the items: put succeeds, get cannot order them.
    // CPython's heappop raises there too, after taking the last entry out.
    const [o1, o2, o3] = [{ n: 1 }, { n: 2 }, { n: 3 }];
    const entries = new PriorityQueue<[number, object]>();
    entries.putNowait([1, o1]);
    entries.putNowait([2, o2]);
    entries.putNowait([2, o3]);
    assert.throws(() => entries.getNowait(), /cannot order \{ n: 3 \} and \{ n: 2 \}/);
    assert.equal(entries.qsize(), 3);
    assert.equal(
      internals(entries)._format(),
      "maxsize=0 _queue=[[1, { n: 1 }], [2, { n: 2 }], [2, { n: 3 }]] tasks=3",
    );
  });
});
