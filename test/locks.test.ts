/**
 * Lock, Event, Condition, Semaphore, BoundedSemaphore and Barrier, ported
 * from CPython 3.13 Lib/test/test_asyncio/test_locks.py, and the JavaScript
 * shape of their API (with(), `await using`, lazy Coroutines, errors).
 *
 * CPython 3.13's tests step the loop with `await asyncio.sleep(0)`, one loop
 * turn, as `await sleep(0)` is here, so the interleavings they check are
 * checked as they are.
 *
 * `async with prim:` becomes `await prim.with(async () => ...)`, and `async
 * with barrier as i:` becomes `const i = await barrier.wait()` (Barrier's
 * `__aexit__` does nothing). The white-box checks of `_waiters`, `_value`
 * and `_count` read the same internal fields here.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  CancelledError,
  Condition,
  Coroutine,
  Event,
  Future,
  Lock,
  RuntimeError,
  Semaphore,
  TimeoutError,
  createTask,
  gather,
  getRunningLoop,
  run,
  sleep,
  timeout,
  wait,
  waitFor,
  type Task,
} from "asyncio-ts";
import { runVirtual } from "./support/virtual-loop.js";

// CPython's STR_RGX_REPR, without the `object at 0x...` part.
const RGX_REPR =
  /^<(\w+) \[(set|unset|locked|unlocked|filling|draining|resetting|broken)(, value:\d)?(, waiters:\d+)?(, waiters:\d+\/\d+)?\]>$/;

/** The internal fields that CPython's white-box checks read. */
type Internals = {
  _waiters: { cancelled(): boolean; done(): boolean }[] | undefined;
  _value: number;
  _count: number;
  _lock: Lock;
};
const internals = (prim: object): Internals => prim as unknown as Internals;

/** A stand-in waiter for the repr tests (CPython appends mock.Mock()). */
const mockWaiter = { cancelled: () => false, done: () => false };

describe("Lock", () => {
  // Ported from test_locks.py: LockTests.test_repr (CPython 3.13)
  it("shows its state in toString()", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      assert.ok(String(lock).endsWith("[unlocked]>"));
      assert.match(String(lock), RGX_REPR);

      await lock.acquire();
      assert.ok(String(lock).endsWith("[locked]>"));
      assert.match(String(lock), RGX_REPR);
    });
  });

  // Ported from test_locks.py: LockTests.test_lock (CPython 3.13)
  // CPython's `await lock` raises TypeError; a Lock has no then(), so
  // JavaScript's `await lock` gives the lock back, without locking it.
  it("is not awaitable itself: awaiting it does not lock it", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      assert.equal("then" in lock, false);
      assert.equal(await (lock as unknown), lock);
      assert.equal(lock.locked(), false);
    });
  });

  // Ported from test_locks.py: LockTests.test_acquire (CPython 3.13)
  it("lets waiters in FIFO order, one release() each", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      const result: number[] = [];

      assert.equal(await lock.acquire(), true);

      const c = (n: number) => async () => {
        if (await lock.acquire()) result.push(n);
        return true;
      };

      const t1 = createTask(c(1));
      const t2 = createTask(c(2));

      await sleep(0);
      assert.deepEqual(result, []);

      lock.release();
      await sleep(0);
      assert.deepEqual(result, [1]);

      await sleep(0);
      assert.deepEqual(result, [1]);

      const t3 = createTask(c(3));

      lock.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2]);

      lock.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2, 3]);

      for (const t of [t1, t2, t3]) {
        assert.equal(t.done(), true);
        assert.equal(t.result(), true);
      }
    });
  });

  // Ported from test_locks.py: LockTests.test_acquire_cancel (CPython 3.13)
  it("a cancelled acquire() leaves no waiter", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      assert.equal(await lock.acquire(), true);

      const task = createTask(lock.acquire());
      getRunningLoop().callSoon(() => task.cancel());
      await assert.rejects(task, CancelledError);
      assert.equal(internals(lock)._waiters!.length, 0);
    });
  });

  // Ported from test_locks.py: LockTests.test_cancel_race (CPython 3.13)
  it("a release() racing a waiter's cancel wakes the next waiter", async () => {
    await runVirtual(async () => {
      // Setup: A has the lock, b and c are waiting.
      const lock = new Lock();

      const lockit = async (blocker: Future<void> | undefined): Promise<void> => {
        await lock.acquire();
        try {
          if (blocker !== undefined) await blocker;
        } finally {
          lock.release();
        }
      };

      const fa = new Future<void>();
      const ta = createTask(() => lockit(fa));
      await sleep(0);
      assert.equal(lock.locked(), true);
      const tb = createTask(() => lockit(undefined));
      await sleep(0);
      assert.equal(internals(lock)._waiters!.length, 1);
      const tc = createTask(() => lockit(undefined));
      await sleep(0);
      assert.equal(internals(lock)._waiters!.length, 2);

      // Create the race and check.
      fa.setResult();
      tb.cancel();
      assert.equal(internals(lock)._waiters![0]!.cancelled(), true);
      await sleep(0);
      assert.equal(lock.locked(), false);
      assert.equal(ta.done(), true);
      assert.equal(tb.cancelled(), true);
      await tc;
    });
  });

  // Ported from test_locks.py: LockTests.test_cancel_release_race (CPython 3.13)
  it("a cancel and a release in one callback let one task in, not two (bpo-32734)", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const lock = new Lock();
      let lockCount = 0;
      let callCount = 0;

      const lockit = async (): Promise<void> => {
        callCount += 1;
        await lock.acquire();
        lockCount += 1;
      };

      await lock.acquire();

      const t1 = createTask(lockit);
      const t2 = createTask(lockit);
      const t3 = createTask(lockit);

      // Start scheduled tasks.
      await sleep(0);

      loop.callSoon(() => {
        t1.cancel();
        lock.release();
      });
      // Wait for cancellation.
      await assert.rejects(t1, CancelledError);

      // Only one lock was taken, while 3 calls were made to lockit().
      assert.equal(lockCount, 1);
      assert.equal(callCount, 3);
      assert.ok(t1.cancelled() && t2.done());

      // Clean up the task that is stuck on acquire.
      t3.cancel();
      await sleep(0);
      assert.equal(t3.cancelled(), true);
    });
  });

  // Ported from test_locks.py: LockTests.test_finished_waiter_cancelled (CPython 3.13)
  it("a waiter woken then cancelled passes the wake-up to the next one", async () => {
    await runVirtual(async () => {
      const lock = new Lock();

      await lock.acquire();
      assert.equal(lock.locked(), true);

      const tb = createTask(lock.acquire());
      await sleep(0);
      assert.equal(internals(lock)._waiters!.length, 1);

      // Create a second waiter, wake up the first, and cancel it.
      // Without the fix, the second was not woken up.
      const tc = createTask(lock.acquire());
      tb.cancel();
      lock.release();
      await sleep(0);

      assert.equal(lock.locked(), true);
      assert.equal(tb.cancelled(), true);

      await tc;
    });
  });

  // Ported from test_locks.py: LockTests.test_release_not_acquired (CPython 3.13)
  it("release() of an unlocked Lock throws RuntimeError", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      assert.throws(() => lock.release(), RuntimeError);
    });
  });

  // Ported from test_locks.py: LockTests.test_release_no_waiters (CPython 3.13)
  it("release() without waiters unlocks it", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      assert.equal(lock.locked(), true);

      lock.release();
      assert.equal(lock.locked(), false);
    });
  });

  // Ported from test_locks.py: LockTests.test_context_manager (CPython 3.13)
  it("with() holds it during the block", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      assert.equal(lock.locked(), false);

      await lock.with(() => {
        assert.equal(lock.locked(), true);
      });

      assert.equal(lock.locked(), false);
    });
  });
});

describe("Event", () => {
  // Ported from test_locks.py: EventTests.test_repr (CPython 3.13)
  it("shows its state in toString()", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      assert.ok(String(ev).endsWith("[unset]>"));
      assert.equal(RGX_REPR.exec(String(ev))?.[2], "unset");

      ev.set();
      assert.ok(String(ev).endsWith("[set]>"));
      assert.match(String(ev), RGX_REPR);

      internals(ev)._waiters!.push(mockWaiter);
      assert.ok(String(ev).includes("waiters:1"));
      assert.match(String(ev), RGX_REPR);
    });
  });

  // Ported from test_locks.py: EventTests.test_wait (CPython 3.13)
  it("set() wakes every waiter, in the order they run", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      assert.equal(ev.isSet(), false);

      const result: number[] = [];
      const c = (n: number) => async () => {
        if (await ev.wait()) result.push(n);
      };

      const t1 = createTask(c(1));
      const t2 = createTask(c(2));

      await sleep(0);
      assert.deepEqual(result, []);

      const t3 = createTask(c(3));

      ev.set();
      await sleep(0);
      assert.deepEqual(result, [3, 1, 2]);

      for (const t of [t1, t2, t3]) {
        assert.equal(t.done(), true);
        assert.equal(t.result(), undefined);
      }
    });
  });

  // Ported from test_locks.py: EventTests.test_wait_on_set (CPython 3.13)
  it("wait() on a set Event returns true at once", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      ev.set();

      const res = await ev.wait();
      assert.equal(res, true);
    });
  });

  // Ported from test_locks.py: EventTests.test_wait_cancel (CPython 3.13)
  it("a cancelled wait() leaves no waiter", async () => {
    await runVirtual(async () => {
      const ev = new Event();

      const waiting = createTask(ev.wait());
      getRunningLoop().callSoon(() => waiting.cancel());
      await assert.rejects(waiting, CancelledError);
      assert.equal(internals(ev)._waiters!.length, 0);
    });
  });

  // Ported from test_locks.py: EventTests.test_clear (CPython 3.13)
  it("clear() unsets it", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      assert.equal(ev.isSet(), false);

      ev.set();
      assert.equal(ev.isSet(), true);

      ev.clear();
      assert.equal(ev.isSet(), false);
    });
  });

  // Ported from test_locks.py: EventTests.test_clear_with_waiters (CPython 3.13)
  it("set() then clear() still wakes the waiters", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      const result: number[] = [];

      const t = createTask(async () => {
        if (await ev.wait()) result.push(1);
        return true;
      });
      await sleep(0);
      assert.deepEqual(result, []);

      ev.set();
      ev.clear();
      assert.equal(ev.isSet(), false);

      ev.set();
      ev.set();
      assert.equal(internals(ev)._waiters!.length, 1);

      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.equal(internals(ev)._waiters!.length, 0);

      assert.equal(t.done(), true);
      assert.equal(t.result(), true);
    });
  });
});

describe("Condition", () => {
  // Ported from test_locks.py: ConditionTests.test_wait (CPython 3.13)
  it("notify() wakes waiters one by one as the lock is released", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      const result: number[] = [];

      const c = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) result.push(n);
        return true;
      };

      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      const t3 = createTask(c(3));

      await sleep(0);
      assert.deepEqual(result, []);
      assert.equal(cond.locked(), false);

      assert.equal(await cond.acquire(), true);
      cond.notify();
      await sleep(0);
      assert.deepEqual(result, []);
      assert.equal(cond.locked(), true);

      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.equal(cond.locked(), true);

      cond.notify(2);
      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.equal(cond.locked(), true);

      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2]);
      assert.equal(cond.locked(), true);

      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2, 3]);
      assert.equal(cond.locked(), true);

      for (const t of [t1, t2, t3]) {
        assert.equal(t.done(), true);
        assert.equal(t.result(), true);
      }
    });
  });

  // Ported from test_locks.py: ConditionTests.test_wait_cancel (CPython 3.13)
  it("a cancelled wait() takes the lock again and leaves no waiter", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      await cond.acquire();

      const waiting = createTask(cond.wait());
      getRunningLoop().callSoon(() => waiting.cancel());
      await assert.rejects(waiting, CancelledError);
      assert.equal(internals(cond)._waiters!.length, 0);
      assert.equal(cond.locked(), true);
    });
  });

  // Ported from test_locks.py: ConditionTests.test_wait_cancel_contested (CPython 3.13)
  it("a wait() cancelled while the lock is contested ends holding the lock", async () => {
    await runVirtual(async () => {
      const cond = new Condition();

      await cond.acquire();
      assert.equal(cond.locked(), true);

      const waitTask = createTask(cond.wait());
      await sleep(0);
      assert.equal(cond.locked(), false);

      // Notify, but contest the lock before cancelling.
      await cond.acquire();
      assert.equal(cond.locked(), true);
      cond.notify();
      getRunningLoop().callSoon(() => waitTask.cancel());
      getRunningLoop().callSoon(() => cond.release());

      try {
        await waitTask;
      } catch (err) {
        // Should not happen, since no cancellation points.
        if (!(err instanceof CancelledError)) throw err;
      }

      assert.equal(cond.locked(), true);
    });
  });

  // Ported from test_locks.py: ConditionTests.test_wait_cancel_after_notify (CPython 3.13)
  it("a wait() cancelled after its notify is cancelled (bpo-32841)", async () => {
    await runVirtual(async () => {
      let waited = false;
      const cond = new Condition();

      const waiter = createTask(() =>
        cond.with(async () => {
          waited = true; // Make sure this area was reached.
          await cond.wait();
        }),
      );
      await sleep(0); // Start waiting.

      await cond.acquire();
      cond.notify();
      await sleep(0); // Get to acquire().
      waiter.cancel();
      await sleep(0); // Activate cancellation.
      cond.release();
      await sleep(0); // Cancellation should occur.

      assert.equal(waiter.cancelled(), true);
      assert.equal(waited, true);
    });
  });

  // Ported from test_locks.py: ConditionTests.test_wait_unacquired (CPython 3.13)
  it("wait() without the lock throws RuntimeError", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      await assert.rejects(cond.wait(), RuntimeError);
    });
  });

  // Ported from test_locks.py: ConditionTests.test_wait_for (CPython 3.13)
  it("waitFor() waits until the predicate is true", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      let presult = false;
      const predicate = (): boolean => presult;
      const result: number[] = [];

      const t = createTask(async () => {
        await cond.acquire();
        if (await cond.waitFor(predicate)) {
          result.push(1);
          cond.release();
        }
        return true;
      });

      await sleep(0);
      assert.deepEqual(result, []);

      await cond.acquire();
      cond.notify();
      cond.release();
      await sleep(0);
      assert.deepEqual(result, []);

      presult = true;
      await cond.acquire();
      cond.notify();
      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1]);

      assert.equal(t.done(), true);
      assert.equal(t.result(), true);
    });
  });

  // Ported from test_locks.py: ConditionTests.test_wait_for_unacquired (CPython 3.13)
  it("waitFor() without the lock returns a true predicate, else throws RuntimeError", async () => {
    await runVirtual(async () => {
      const cond = new Condition();

      // The predicate can be true at once.
      const res = await cond.waitFor(() => [1, 2, 3]);
      assert.deepEqual(res, [1, 2, 3]);

      await assert.rejects(
        cond.waitFor(() => false),
        RuntimeError,
      );
    });
  });

  // Ported from test_locks.py: ConditionTests.test_notify (CPython 3.13)
  it("notify(n) wakes n waiters, all if fewer wait", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      const result: number[] = [];

      const c = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) {
          result.push(n);
          cond.release();
        }
        return true;
      };

      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      const t3 = createTask(c(3));

      await sleep(0);
      assert.deepEqual(result, []);

      await cond.acquire();
      cond.notify(1);
      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1]);

      await cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2, 3]);

      for (const t of [t1, t2, t3]) {
        assert.equal(t.done(), true);
        assert.equal(t.result(), true);
      }
    });
  });

  // Ported from test_locks.py: ConditionTests.test_notify_all (CPython 3.13)
  it("notifyAll() wakes every waiter", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      const result: number[] = [];

      const c = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) {
          result.push(n);
          cond.release();
        }
        return true;
      };

      const t1 = createTask(c(1));
      const t2 = createTask(c(2));

      await sleep(0);
      assert.deepEqual(result, []);

      await cond.acquire();
      cond.notifyAll();
      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2]);

      for (const t of [t1, t2]) {
        assert.equal(t.done(), true);
        assert.equal(t.result(), true);
      }
    });
  });

  // Ported from test_locks.py: ConditionTests.test_notify_unacquired, ConditionTests.test_notify_all_unacquired (CPython 3.13)
  it("notify() and notifyAll() without the lock throw RuntimeError", () => {
    const cond = new Condition();
    assert.throws(() => cond.notify(), RuntimeError);
    assert.throws(() => cond.notifyAll(), RuntimeError);
  });

  // Ported from test_locks.py: ConditionTests.test_repr (CPython 3.13)
  it("shows its state in toString()", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      assert.ok(String(cond).includes("unlocked"));
      assert.match(String(cond), RGX_REPR);

      await cond.acquire();
      assert.ok(String(cond).includes("locked"));

      internals(cond)._waiters!.push(mockWaiter);
      assert.ok(String(cond).includes("waiters:1"));
      assert.match(String(cond), RGX_REPR);

      internals(cond)._waiters!.push(mockWaiter);
      assert.ok(String(cond).includes("waiters:2"));
      assert.match(String(cond), RGX_REPR);
    });
  });

  // Ported from test_locks.py: ConditionTests.test_context_manager (CPython 3.13)
  it("with() holds the lock during the block", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      assert.equal(cond.locked(), false);
      await cond.with(() => {
        assert.equal(cond.locked(), true);
      });
      assert.equal(cond.locked(), false);
    });
  });

  // Ported from test_locks.py: ConditionTests.test_explicit_lock (CPython 3.13)
  it("uses the Lock it is given", async () => {
    await runVirtual(async () => {
      const f = async (lock?: Lock, cond?: Condition): Promise<void> => {
        lock ??= new Lock();
        cond ??= new Condition(lock);
        assert.equal(internals(cond)._lock, lock);
        assert.equal(lock.locked(), false);
        assert.equal(cond.locked(), false);
        await cond.with(() => {
          assert.equal(lock.locked(), true);
          assert.equal(cond.locked(), true);
        });
        assert.equal(lock.locked(), false);
        assert.equal(cond.locked(), false);
        await lock.with(() => {
          assert.equal(lock.locked(), true);
          assert.equal(cond.locked(), true);
        });
        assert.equal(lock.locked(), false);
        assert.equal(cond.locked(), false);
      };

      // All should work in the same way.
      await f();
      await f(new Lock());
      const lock = new Lock();
      await f(lock, new Condition(lock));
    });
  });

  // Ported from test_locks.py: ConditionTests.test_ambiguous_loops (CPython 3.13)
  // CPython binds the primitives to another loop through their private
  // `_loop`; here a first run() binds them, by making a task wait on them,
  // and a second run() uses them.
  it("a Lock or Condition bound to another loop refuses to wait", async () => {
    const lock = new Lock();
    const lockedCond = new Condition();
    const bind = async (): Promise<void> => {
      await lock.acquire();
      const waiter = createTask(lock.acquire());
      await sleep(0);
      lock.release();
      await waiter;
      lock.release();
      await lockedCond.acquire();
      const notified = createTask(() => lockedCond.with(() => lockedCond.wait()));
      lockedCond.release();
      await sleep(0);
      await lockedCond.with(() => lockedCond.notify());
      await notified;
    };
    await runVirtual(bind);

    await runVirtual(async () => {
      // wrong loop in lock
      await lock.with(async () => {
        // Acquired at once, without interaction with any event loop.
        const cond = new Condition(lock);
        // cond.acquire() waits on the lock, which finds the loop mismatch.
        await assert.rejects(cond.acquire(), { name: "RuntimeError", message: /is bound to a different event loop/ });
      });

      // wrong loop in cond
      await lockedCond.with(async () => {
        await assert.rejects(lockedCond.wait(), {
          name: "RuntimeError",
          message: /^<Condition \[locked\]> is bound to a different event loop/,
        });
        // It refused before releasing the lock.
        assert.equal(lockedCond.locked(), true);
      });
    });
  });

  // Ported from test_locks.py: ConditionTests.test_timeout_in_block (CPython 3.13)
  it("waitFor(cond.wait(), 0.5) inside the block times out", async () => {
    await runVirtual(async () => {
      const condition = new Condition();
      await condition.with(async () => {
        await assert.rejects(waitFor(condition.wait(), 0.5), TimeoutError);
      });
    });
  });

  // Ported from test_locks.py: ConditionTests.test_cancelled_error_wakeup (CPython 3.13)
  it("a CancelledError while waiting for the notify comes out unchanged", async () => {
    await runVirtual(async () => {
      const wake = false;
      let raised: unknown;
      const cond = new Condition();

      const task = createTask(() =>
        cond.with(async () => {
          try {
            await cond.waitFor(() => wake);
          } catch (err) {
            assert.ok(err instanceof CancelledError);
            raised = err;
            throw err;
          }
          assert.fail("not cancelled");
        }),
      );
      await sleep(0);
      // Task is waiting on the condition, cancel it there.
      task.cancel("foo");
      const err = await task.then(
        () => assert.fail("not cancelled"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof CancelledError);
      assert.equal(err.message, "foo");
      // The same error instance as the one raised.
      assert.equal(err, raised);
    });
  });

  // Ported from test_locks.py: ConditionTests.test_cancelled_error_re_aquire (CPython 3.13)
  it("a CancelledError while taking the lock again comes out unchanged", async () => {
    await runVirtual(async () => {
      let wake = false;
      let raised: unknown;
      const cond = new Condition();

      const task = createTask(() =>
        cond.with(async () => {
          try {
            await cond.waitFor(() => wake);
          } catch (err) {
            assert.ok(err instanceof CancelledError);
            raised = err;
            throw err;
          }
          assert.fail("not cancelled");
        }),
      );
      await sleep(0);
      // Task is waiting on the condition.
      await cond.acquire();
      wake = true;
      cond.notify();
      await sleep(0);
      // Task is now trying to re-acquire the lock, cancel it there.
      task.cancel("foo");
      cond.release();
      const err = await task.then(
        () => assert.fail("not cancelled"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof CancelledError);
      assert.equal(err.message, "foo");
      assert.equal(err, raised);
    });
  });

  const consumers = (condition: Condition, state: { value: number }): Task<void>[] => {
    const consumer = () =>
      condition.with(async () => {
        for (;;) {
          await condition.waitFor(() => state.value !== 0);
          if (state.value < 0) return;
          state.value -= 1;
        }
      });
    return [createTask(consumer), createTask(consumer)];
  };

  // Ported from test_locks.py: ConditionTests.test_cancelled_wakeup (CPython 3.13)
  it("a task cancelled while its notify is pending does not lose the wake-up", async () => {
    await runVirtual(async () => {
      const condition = new Condition();
      const state = { value: 0 };
      // Create two consumers.
      const c = consumers(condition, state);
      // Wait for them to settle.
      await sleep(0);
      await condition.with(async () => {
        // Produce one item and wake up one.
        state.value += 1;
        condition.notify(1);

        // Cancel it while it is awaiting to be run.
        c[0]!.cancel();

        // Now wait for the item to be consumed: if it is not, our notify
        // did not take hold, because it raced with a cancel().
        try {
          await timeout(0.01, () => condition.waitFor(() => state.value === 0));
        } catch (err) {
          if (!(err instanceof TimeoutError)) throw err;
        }
        assert.equal(state.value, 0);

        // Clean up.
        state.value = -1;
        condition.notifyAll();
      });
      await c[1];
    });
  });

  // Ported from test_locks.py: ConditionTests.test_cancelled_wakeup_relock (CPython 3.13)
  it("a task cancelled while taking the lock again does not lose the wake-up", async () => {
    await runVirtual(async () => {
      const condition = new Condition();
      const state = { value: 0 };
      const c = consumers(condition, state);
      await sleep(0);
      await condition.with(async () => {
        state.value += 1;
        condition.notify(1);

        // Sleep a little: the target task wakes up and settles on
        // re-acquiring the lock.
        await sleep(0);

        // Cancel it while awaiting the lock.
        c[0]!.cancel();

        try {
          await timeout(0.01, () => condition.waitFor(() => state.value === 0));
        } catch (err) {
          if (!(err instanceof TimeoutError)) throw err;
        }
        assert.equal(state.value, 0);

        state.value = -1;
        condition.notifyAll();
      });
      await c[1];
    });
  });
});

describe("Semaphore", () => {
  // Ported from test_locks.py: SemaphoreTests.test_initial_value_zero (CPython 3.13)
  it("of value 0 is locked", () => {
    const sem = new Semaphore(0);
    assert.equal(sem.locked(), true);
  });

  // Ported from test_locks.py: SemaphoreTests.test_repr (CPython 3.13)
  it("shows its state in toString()", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore();
      assert.ok(String(sem).endsWith("[unlocked, value:1]>"));
      assert.match(String(sem), RGX_REPR);

      await sem.acquire();
      assert.ok(String(sem).endsWith("[locked]>"));
      assert.ok(!String(sem).includes("waiters"));
      assert.match(String(sem), RGX_REPR);

      const waiters = (internals(sem)._waiters ??= []);
      waiters.push(mockWaiter);
      assert.ok(String(sem).includes("waiters:1"));
      assert.match(String(sem), RGX_REPR);

      waiters.push(mockWaiter);
      assert.ok(String(sem).includes("waiters:2"));
      assert.match(String(sem), RGX_REPR);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_semaphore (CPython 3.13)
  // CPython's `await sem` raises TypeError; here it gives the semaphore back.
  it("is not awaitable itself", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore();
      assert.equal(internals(sem)._value, 1);
      assert.equal("then" in sem, false);
      assert.equal(await (sem as unknown), sem);
      assert.equal(sem.locked(), false);
      assert.equal(internals(sem)._value, 1);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_semaphore_value (CPython 3.13)
  it("of a negative value is a RangeError", () => {
    assert.throws(() => new Semaphore(-1), RangeError);
  });

  // Ported from test_locks.py: SemaphoreTests.test_acquire (CPython 3.13)
  it("lets as many tasks in as it has permits", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(3);
      const result: number[] = [];

      assert.equal(await sem.acquire(), true);
      assert.equal(await sem.acquire(), true);
      assert.equal(sem.locked(), false);

      const c = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
        return true;
      };

      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      const t3 = createTask(c(3));

      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.equal(sem.locked(), true);
      assert.equal(internals(sem)._waiters!.length, 2);
      assert.equal(internals(sem)._value, 0);

      const t4 = createTask(c(4));

      sem.release();
      sem.release();
      assert.equal(internals(sem)._value, 0);

      await sleep(0);
      assert.equal(internals(sem)._value, 0);
      assert.equal(result.length, 3);
      assert.equal(sem.locked(), true);
      assert.equal(internals(sem)._waiters!.length, 1);
      assert.equal(internals(sem)._value, 0);

      assert.equal(t1.done(), true);
      assert.equal(t1.result(), true);
      const raceTasks = [t2, t3, t4];
      const doneTasks = raceTasks.filter((t) => t.done() && t.result());
      assert.equal(doneTasks.length, 2);

      // Clean up the locked semaphore.
      sem.release();
      await gather(...raceTasks);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_acquire_cancel (CPython 3.13)
  it("a cancelled acquire() leaves no pending waiter", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore();
      await sem.acquire();

      const acquire = createTask(sem.acquire());
      getRunningLoop().callSoon(() => acquire.cancel());
      await assert.rejects(acquire, CancelledError);
      const waiters = internals(sem)._waiters;
      assert.ok(!waiters?.length || waiters.every((w) => w.done()));
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_acquire_cancel_before_awoken (CPython 3.13)
  it("waiters cancelled before they wake leave the permit to the next", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);

      const t1 = createTask(sem.acquire());
      const t2 = createTask(sem.acquire());
      const t3 = createTask(sem.acquire());
      const t4 = createTask(sem.acquire());

      await sleep(0);

      t1.cancel();
      t2.cancel();
      sem.release();

      await sleep(0);
      await sleep(0);
      const numDone = [t3, t4].filter((t) => t.done()).length;
      assert.equal(numDone, 1);
      assert.equal(t3.done(), true);
      assert.equal(t4.done(), false);

      t3.cancel();
      t4.cancel();
      await sleep(0);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_acquire_hang (CPython 3.13)
  it("a cancel and a release together do not hang the next waiter", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);

      const t1 = createTask(sem.acquire());
      const t2 = createTask(sem.acquire());
      await sleep(0);

      t1.cancel();
      sem.release();
      await sleep(0);
      await sleep(0);
      assert.equal(sem.locked(), true);
      assert.equal(t2.done(), true);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_acquire_no_hang (CPython 3.13)
  it("a waiter cancelled after its wake-up gives the permit back", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(1);
      let t2: Task<void> | undefined = undefined;

      const t1 = createTask(async () => {
        await sem.with(() => sleep(0));
        t2!.cancel();
      });
      t2 = createTask(() =>
        sem.with(() => {
          assert.fail("entered");
        }),
      );

      const [r1, r2] = await gather(t1, t2, { returnExceptions: true });
      assert.equal(r1, undefined);
      assert.ok(r2 instanceof CancelledError);

      await waitFor(sem.acquire(), 1.0);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_release_not_acquired (CPython 3.13)
  it("a BoundedSemaphore released more than acquired is a RangeError", () => {
    const sem = new BoundedSemaphore();
    assert.throws(() => sem.release(), RangeError);
  });

  // Ported from test_locks.py: SemaphoreTests.test_release_no_waiters (CPython 3.13)
  it("release() without waiters unlocks it", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore();
      await sem.acquire();
      assert.equal(sem.locked(), true);

      sem.release();
      assert.equal(sem.locked(), false);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_acquire_fifo_order (CPython 3.13)
  // CPython creates the tasks in a TaskGroup; here gather() waits for them.
  it("lets tasks in FIFO order, also when they acquire again", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(1);
      const result: string[] = [];

      const coro = (tag: string) => async () => {
        await sem.acquire();
        result.push(`${tag}_1`);
        await sleep(0.01);
        sem.release();

        await sem.acquire();
        result.push(`${tag}_2`);
        await sleep(0.01);
        sem.release();
      };

      await gather(createTask(coro("c1")), createTask(coro("c2")), createTask(coro("c3")));

      assert.deepEqual(result, ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_acquire_fifo_order_2 (CPython 3.13)
  it("a task that releases and acquires again goes behind the waiters", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(1);
      const result: number[] = [];

      const t1 = createTask(async () => {
        await sem.acquire();
        result.push(1);
        return true;
      });
      const t2 = createTask(async () => {
        await sem.acquire();
        result.push(2);
        sem.release();
        await sem.acquire();
        result.push(4);
        return true;
      });
      const t3 = createTask(async () => {
        await sem.acquire();
        result.push(3);
        return true;
      });

      await sleep(0);

      sem.release();
      sem.release();

      await gather(t1, t2, t3);
      assert.deepEqual(result, [1, 2, 3, 4]);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_acquire_fifo_order_3 (CPython 3.13)
  it("a cancelled waiter is skipped", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);
      const result: number[] = [];

      const c = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
        return true;
      };

      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      const t3 = createTask(c(3));

      await sleep(0);

      t1.cancel();

      await sleep(0);

      sem.release();
      sem.release();

      await gather(t1, t2, t3, { returnExceptions: true });
      assert.deepEqual(result, [2, 3]);
    });
  });

  // Ported from test_locks.py: SemaphoreTests.test_acquire_fifo_order_4 (CPython 3.13)
  it("a successful acquire() wakes the waiters that FIFO held back", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);
      const result: number[] = [];
      let t4: Task<boolean> | undefined = undefined;

      const c4 = async (): Promise<boolean> => {
        result.push(4);
        return true;
      };

      // The first task waits at once; c2 wakes it.
      const t1 = createTask(async () => {
        assert.equal(internals(sem)._value, 0);
        await sem.acquire();
        // Every waiting task is woken now.
        assert.equal(internals(sem)._value, 0);
        // A fourth task: it runs after c3, not c2.
        t4 = createTask(c4);
        result.push(1);
        return true;
      });
      // The second task releases the semaphore three times, for c1, c2 and c3.
      const t2 = createTask(async () => {
        sem.release();
        sem.release();
        sem.release();
        assert.equal(internals(sem)._value, 2);
        // It is locked, because c1 has not woken up yet.
        assert.equal(sem.locked(), true);
        await sem.acquire();
        result.push(2);
        return true;
      });
      const t3 = createTask(async () => {
        await sem.acquire();
        assert.equal(sem.locked(), true);
        result.push(3);
        return true;
      });

      await sleep(0);
      // Three tasks are in the queue, the first has not woken up yet.
      assert.equal(internals(sem)._value, 2);
      assert.equal(internals(sem)._waiters!.length, 3);
      await sleep(0);

      await gather(t1, t2, t3, t4!);
      assert.deepEqual(result, [1, 2, 3, 4]);
    });
  });
});

describe("Barrier", () => {
  const N = 5;

  const makeTasks = <T>(n: number, coro: () => Promise<T>): Task<T>[] =>
    Array.from({ length: n }, () => createTask(coro));

  const gatherTasks = async <T>(n: number, coro: () => Promise<T>): Promise<[T[], Task<T>[]]> => {
    const tasks = makeTasks(n, coro);
    const res = (await gather(...tasks)) as T[];
    return [res, tasks];
  };

  // Ported from test_locks.py: BarrierTests.test_barrier (CPython 3.13)
  // CPython's `await barrier` raises TypeError; here it gives the barrier back.
  it("is not awaitable itself", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      assert.ok(String(barrier).includes("filling"));
      assert.equal("then" in barrier, false);
      assert.equal(await (barrier as unknown), barrier);
      assert.ok(String(barrier).includes("filling"));
    });
  });

  // Ported from test_locks.py: BarrierTests.test_repr (CPython 3.13)
  it("shows its state in toString()", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);

      assert.match(String(barrier), RGX_REPR);
      assert.ok(String(barrier).includes("filling"));

      const waiters: Task<void>[] = [];
      const waitAt = async (): Promise<void> => {
        await barrier.wait();
      };

      const incr = 2;
      for (let i = 0; i < incr; i++) waiters.push(createTask(waitAt));
      await sleep(0);

      assert.match(String(barrier), RGX_REPR);
      assert.ok(String(barrier).includes(`waiters:${incr}/${N}`));
      assert.ok(String(barrier).includes("filling"));

      // Create the missing waiters.
      for (let i = barrier.parties - barrier.nWaiting; i > 0; i--) waiters.push(createTask(waitAt));
      await sleep(0);

      assert.match(String(barrier), RGX_REPR);
      assert.ok(String(barrier).includes("draining"));

      // Add a part of the waiters,
      for (let i = 0; i < incr; i++) waiters.push(createTask(waitAt));
      await sleep(0);
      // and reset.
      await barrier.reset();

      assert.match(String(barrier), RGX_REPR);
      assert.ok(String(barrier).includes("resetting"));

      // Add a part of the waiters again,
      for (let i = 0; i < incr; i++) waiters.push(createTask(waitAt));
      await sleep(0);
      // and abort.
      await barrier.abort();

      assert.match(String(barrier), RGX_REPR);
      assert.ok(String(barrier).includes("broken"));
      assert.equal(barrier.broken, true);

      // Suppress unhandled exceptions.
      await gather(...waiters, { returnExceptions: true });
    });
  });

  // Ported from test_locks.py: BarrierTests.test_barrier_parties (CPython 3.13)
  it("of 0 or fewer parties is a RangeError", () => {
    assert.throws(() => new Barrier(0), RangeError);
    assert.throws(() => new Barrier(-4), RangeError);
    assert.ok(new Barrier(N) instanceof Barrier);
  });

  // Ported from test_locks.py: BarrierTests.test_context_manager (CPython 3.13)
  it("gives each task a distinct index", async () => {
    await runVirtual(async () => {
      const n = 3;
      const barrier = new Barrier(n);
      const results: number[] = [];

      await gatherTasks(n, async () => {
        const i = await barrier.wait();
        results.push(i);
      });

      assert.deepEqual(
        results.sort((a, b) => a - b),
        [0, 1, 2],
      );
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_filling_one_task (CPython 3.13)
  it("of one party lets one task through", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(1);

      const f = async (): Promise<boolean> => {
        await barrier.wait();
        return true;
      };
      const ret = await f();

      assert.equal(ret, true);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_filling_one_task_twice (CPython 3.13)
  it("of one party lets one task through, twice", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(1);

      const t1 = createTask(barrier.wait());
      await sleep(0);
      assert.equal(barrier.nWaiting, 0);

      const t2 = createTask(barrier.wait());
      await sleep(0);

      assert.equal(t1.result(), t2.result());
      assert.equal(t1.done(), t2.done());

      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_filling_task_by_task (CPython 3.13)
  it("counts the tasks as they arrive", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(3);

      const t1 = createTask(barrier.wait());
      await sleep(0);
      assert.equal(barrier.nWaiting, 1);
      assert.ok(String(barrier).includes("filling"));

      const t2 = createTask(barrier.wait());
      await sleep(0);
      assert.equal(barrier.nWaiting, 2);
      assert.ok(String(barrier).includes("filling"));

      const t3 = createTask(barrier.wait());
      await sleep(0);

      await wait([t1, t2, t3]);

      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_filling_tasks_wait_twice (CPython 3.13)
  it("can be waited at twice in a row", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];

      await gatherTasks(N, async () => {
        await barrier.wait();
        results.push(true);
        await barrier.wait();
        results.push(false);
      });

      assert.equal(results.length, N * 2);
      assert.equal(results.filter((r) => r).length, N);
      assert.equal(results.filter((r) => !r).length, N);

      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_filling_tasks_check_return_value (CPython 3.13)
  it("gives distinct indexes on the second pass too", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];

      const [res] = await gatherTasks(N, async () => {
        await barrier.wait();
        results1.push(true);
        const i = await barrier.wait();
        results2.push(true);
        return i;
      });

      assert.equal(results1.length, N);
      assert.ok(results1.every((r) => r));
      assert.equal(results2.length, N);
      assert.ok(results2.every((r) => r));
      assert.deepEqual(
        res.sort((a, b) => a - b),
        [0, 1, 2, 3, 4],
      );

      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_draining_state (CPython 3.13)
  it("drains until the last task is out", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];

      await gatherTasks(N, async () => {
        await barrier.wait();
        // The state changes to filling when the last task is out.
        results.push(String(barrier).includes("draining"));
      });

      assert.equal(results.length, N);
      assert.equal(results[N - 1], false);
      assert.ok(results.slice(0, N - 1).every((r) => r));

      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_blocking_tasks_while_draining (CPython 3.13)
  it("blocks new waiters while it drains", async () => {
    await runVirtual(async () => {
      const rewait = 2;
      const barrier = new Barrier(N);
      const barrierNowaiting = new Barrier(N - rewait);
      let rewaitN = rewait;

      // Success means that barrierNowaiting was waited at exactly N - rewait times.
      await gatherTasks(N, async () => {
        // First time waiting.
        await barrier.wait();

        // After waiting once for all tasks:
        if (rewaitN > 0) {
          rewaitN -= 1;
          // wait again only for rewait tasks,
          await barrier.wait();
        } else {
          // wait for the end of draining,
          await barrierNowaiting.wait();
          // and wait for the other waiting tasks.
          await barrier.wait();
        }
      });
    });
  });

  // Ported from test_locks.py: BarrierTests.test_filling_tasks_cancel_one (CPython 3.13)
  it("a waiter cancelled while it fills leaves its place", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(3);
      const results: boolean[] = [];

      const coro = async (): Promise<void> => {
        await barrier.wait();
        results.push(true);
      };

      const t1 = createTask(coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, 1);

      const t2 = createTask(coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, 2);

      t1.cancel();
      await sleep(0);
      assert.equal(barrier.nWaiting, 1);
      await assert.rejects(t1, CancelledError);
      assert.equal(t1.cancelled(), true);

      const t3 = createTask(coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, 2);

      const t4 = createTask(coro);
      await gather(t2, t3, t4);

      assert.equal(results.length, 3);
      assert.ok(results.every((r) => r));

      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_reset_barrier (CPython 3.13)
  it("reset() of an empty barrier leaves it filling", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(1);

      createTask(barrier.reset());
      await sleep(0);

      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_reset_barrier_while_tasks_waiting (CPython 3.13)
  it("reset() breaks the waits under way", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];

      // N - 1 tasks waiting at a barrier of N parties.
      const tasks = makeTasks(N - 1, async () => {
        try {
          await barrier.wait();
        } catch (err) {
          if (!(err instanceof BrokenBarrierError)) throw err;
          results.push(true);
        }
      });
      await sleep(0);

      // Reset the barrier.
      createTask(async () => {
        await barrier.reset();
      });
      await gather(...tasks);

      assert.equal(results.length, N - 1);
      assert.ok(results.every((r) => r));
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!String(barrier).includes("resetting"));
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_reset_barrier_when_tasks_half_draining (CPython 3.13)
  it("reset() while half the tasks drain breaks the waits of the rest", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const restOfTasks = Math.floor(N / 2);

      await gatherTasks(N, async () => {
        try {
          await barrier.wait();
        } catch (err) {
          if (!(err instanceof BrokenBarrierError)) throw err;
          // The waiting tasks are caught here.
          results1.push(true);
          return;
        }
        // A drained task, out of the barrier.
        if (restOfTasks === internals(barrier)._count) {
          // The tasks out of the barrier.
          await barrier.reset();
        }
      });

      assert.deepEqual(results1, Array(restOfTasks).fill(true));
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!String(barrier).includes("resetting"));
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_reset_barrier_when_tasks_half_draining_half_blocking (CPython 3.13)
  it("reset() while half the tasks drain and half block", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;

      await gatherTasks(N, async () => {
        try {
          await barrier.wait();
        } catch (err) {
          if (!(err instanceof BrokenBarrierError)) throw err;
          // The tasks still waiting are caught here,
          results1.push(true);
          // and wait again to reach the parties.
          await barrier.wait();
          return;
        }
        count += 1;
        if (count > blockingTasks) {
          // Reset now: BrokenBarrierError for the waiting tasks,
          await barrier.reset();
          // and wait again to reach the parties.
          await barrier.wait();
        } else {
          try {
            await barrier.wait();
          } catch (err) {
            if (!(err instanceof BrokenBarrierError)) throw err;
            // Not caught here: the blocked tasks go on waiting.
            results2.push(true);
          }
        }
      });

      assert.deepEqual(results1, Array(blockingTasks).fill(true));
      assert.deepEqual(results2, []);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!String(barrier).includes("resetting"));
      assert.equal(barrier.broken, false);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_reset_barrier_while_tasks_waiting_and_waiting_again (CPython 3.13)
  it("tasks broken by reset() can wait again", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];

      const tasks = makeTasks(N - 1, async () => {
        try {
          await barrier.wait();
        } catch (err) {
          if (!(err instanceof BrokenBarrierError)) throw err;
          results1.push(true);
        } finally {
          await barrier.wait();
          results2.push(true);
        }
      });

      // Reset the barrier: the N - 1 waiting tasks get a BrokenBarrierError.
      createTask(barrier.reset());
      await sleep(0);

      // Complete the waiting tasks in the `finally`.
      createTask(async () => {
        await barrier.wait();
        results2.push(true);
      });

      await gather(...tasks);

      assert.equal(barrier.broken, false);
      assert.equal(results1.length, N - 1);
      assert.ok(results1.every((r) => r));
      assert.equal(results2.length, N);
      assert.ok(results2.every((r) => r));

      assert.equal(barrier.nWaiting, 0);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_reset_barrier_while_tasks_draining (CPython 3.13)
  it("reset() by the last task out while the others wait again", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      let count = 0;

      await gatherTasks(N, async () => {
        await barrier.wait();
        count += 1;
        if (count === N) {
          // The last task out of the barrier.
          await barrier.reset();
          // Wait here to reach the parties.
          await barrier.wait();
        } else {
          try {
            // Second wait: N - 1 tasks here.
            await barrier.wait();
            results1.push(true);
          } catch {
            // Never here.
            results2.push(true);
          }
        }

        // Now pass the barrier again: the last wait must complete.
        await barrier.wait();
        results3.push(true);
      });

      assert.equal(barrier.broken, false);
      assert.ok(results1.every((r) => r));
      assert.equal(results1.length, N - 1);
      assert.equal(results2.length, 0);
      assert.equal(results3.length, N);
      assert.ok(results3.every((r) => r));

      assert.equal(barrier.nWaiting, 0);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_abort_barrier (CPython 3.13)
  it("abort() breaks it", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(1);

      createTask(barrier.abort());
      await sleep(0);

      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, true);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_abort_barrier_when_tasks_half_draining_half_blocking (CPython 3.13)
  it("abort() while half the tasks drain and half block breaks them all", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;

      await gatherTasks(N, async () => {
        try {
          await barrier.wait();
        } catch (err) {
          if (!(err instanceof BrokenBarrierError)) throw err;
          // The tasks waiting to drain are caught here.
          results1.push(true);
          return;
        }
        count += 1;
        if (count > blockingTasks) {
          // Abort now: BrokenBarrierError for every task.
          await barrier.abort();
        } else {
          try {
            await barrier.wait();
          } catch (err) {
            if (!(err instanceof BrokenBarrierError)) throw err;
            // The blocked tasks (already drained) are caught here.
            results2.push(true);
          }
        }
      });

      assert.equal(barrier.broken, true);
      assert.deepEqual(results1, Array(blockingTasks).fill(true));
      assert.deepEqual(results2, Array(N - blockingTasks - 1).fill(true));
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!String(barrier).includes("resetting"));
    });
  });

  // Ported from test_locks.py: BarrierTests.test_abort_barrier_when_exception (CPython 3.13)
  it("abort() after an error in one task breaks the others", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];

      await gatherTasks(N, async () => {
        try {
          const i = await barrier.wait();
          if (i === Math.floor(N / 2)) throw new RuntimeError();
          await barrier.wait();
          results1.push(true);
        } catch (err) {
          if (err instanceof BrokenBarrierError) results2.push(true);
          else if (err instanceof RuntimeError) await barrier.abort();
          else throw err;
        }
      });

      assert.equal(barrier.broken, true);
      assert.equal(results1.length, 0);
      assert.equal(results2.length, N - 1);
      assert.ok(results2.every((r) => r));
      assert.equal(barrier.nWaiting, 0);
    });
  });

  // Ported from test_locks.py: BarrierTests.test_abort_barrier_when_exception_then_resetting (CPython 3.13)
  it("reset() after abort() makes it usable again", async () => {
    await runVirtual(async () => {
      const barrier1 = new Barrier(N);
      const barrier2 = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];

      await gatherTasks(N, async () => {
        try {
          const i = await barrier1.wait();
          if (i === Math.floor(N / 2)) throw new RuntimeError();
          await barrier1.wait();
          results1.push(true);
        } catch (err) {
          if (err instanceof BrokenBarrierError) results2.push(true);
          else if (err instanceof RuntimeError) await barrier1.abort();
          else throw err;
        }

        // Synchronize and reset the barrier. Synchronize first, so that
        // everyone has left it when we reset, and after, so that no one
        // enters it before the reset.
        const i = await barrier2.wait();
        if (i === Math.floor(N / 2)) await barrier1.reset();
        await barrier2.wait();
        await barrier1.wait();
        results3.push(true);
      });

      assert.equal(barrier1.broken, false);
      assert.equal(results1.length, 0);
      assert.equal(results2.length, N - 1);
      assert.ok(results2.every((r) => r));
      assert.equal(results3.length, N);
      assert.ok(results3.every((r) => r));

      assert.equal(barrier1.nWaiting, 0);
    });
  });
});

// asyncio-ts's own: the JavaScript shape of the API.
describe("locks: the JavaScript API", () => {
  it("acquire() and wait() are lazy Coroutines, run in the task that awaits them or made a Task", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      const acquiring = lock.acquire();
      assert.ok(acquiring instanceof Coroutine);
      assert.equal(String(acquiring), "<coroutine Lock.acquire()>");
      assert.equal(lock.locked(), false); // Nothing ran.
      assert.equal(await acquiring, true);
      assert.equal(lock.locked(), true);
      await assert.rejects(async () => await acquiring, /cannot reuse already awaited coroutine Lock\.acquire\(\)/);

      // createTask(lock.acquire()) acquires in the task's first step, as
      // create_task(lock.acquire()) does.
      const task = createTask(lock.acquire());
      assert.equal(internals(lock)._waiters, undefined);
      await sleep(0);
      assert.equal(internals(lock)._waiters!.length, 1);
      lock.release();
      assert.equal(await task, true);

      const names = [
        new Event().wait(),
        new Condition().wait(),
        new Condition().waitFor(() => true),
        new Semaphore().acquire(),
        new Barrier(1).wait(),
        new Barrier(1).reset(),
        new Barrier(1).abort(),
        lock.with(() => 1),
        new Semaphore().with(() => 1),
        new BoundedSemaphore().with(() => 1),
        new Condition().with(() => 1),
      ].map(String);
      assert.deepEqual(names, [
        "<coroutine Event.wait()>",
        "<coroutine Condition.wait()>",
        "<coroutine Condition.waitFor()>",
        "<coroutine Semaphore.acquire()>",
        "<coroutine Barrier.wait()>",
        "<coroutine Barrier.reset()>",
        "<coroutine Barrier.abort()>",
        "<coroutine Lock.with()>",
        "<coroutine Semaphore.with()>",
        "<coroutine BoundedSemaphore.with()>",
        "<coroutine Condition.with()>",
      ]);
    });
  });

  it("an acquire() or wait() that need not wait takes no loop turn, as in CPython", async () => {
    await runVirtual(async () => {
      let called = false;
      getRunningLoop().callSoon(() => (called = true));
      const lock = new Lock();
      const sem = new Semaphore(2);
      const ev = new Event();
      ev.set();
      const cond = new Condition();
      await lock.acquire();
      await sem.acquire();
      await ev.wait();
      await cond.with(() => cond.waitFor(() => true));
      await new Barrier(1).wait();
      assert.equal(called, false);
      await sleep(0);
      assert.equal(called, true);
    });
  });

  it("with() returns the body's value and releases however the body ends", async () => {
    await runVirtual(async () => {
      for (const prim of [new Lock(), new Semaphore(), new BoundedSemaphore(), new Condition()]) {
        const held = (): boolean =>
          prim instanceof Semaphore ? internals(prim)._value === 0 : (prim as Lock | Condition).locked();
        assert.equal(
          await prim.with(async () => {
            assert.equal(held(), true);
            await sleep(0);
            return 42;
          }),
          42,
        );
        assert.equal(held(), false);

        const boom = new Error("boom");
        await assert.rejects(
          prim.with(() => {
            throw boom;
          }),
          (err) => err === boom,
        );
        assert.equal(held(), false);

        const task = createTask(prim.with(() => sleep(10)));
        await sleep(0);
        assert.equal(held(), true);
        task.cancel();
        await assert.rejects(task, CancelledError);
        assert.equal(held(), false);
      }
    });
  });

  it("with() cancelled while it waits for the lock neither runs the body nor releases", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      let ran = false;
      const task = createTask(
        lock.with(() => {
          ran = true;
        }),
      );
      await sleep(0);
      task.cancel();
      await assert.rejects(task, CancelledError);
      assert.equal(ran, false);
      assert.equal(lock.locked(), true); // Still ours.
      lock.release();
    });
  });

  it("`await using` releases a Lock, Semaphore or Condition acquired just before", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      const sem = new BoundedSemaphore(1);
      const cond = new Condition();
      {
        await lock.acquire();
        await using _lock = lock;
        await sem.acquire();
        await using _sem = sem;
        await cond.acquire();
        await using _cond = cond;
        assert.equal(lock.locked() && sem.locked() && cond.locked(), true);
      }
      assert.equal(lock.locked() || sem.locked() || cond.locked(), false);

      const boom = new Error("boom");
      await assert.rejects(
        async () => {
          await lock.acquire();
          await using _ = lock;
          throw boom;
        },
        (err) => err === boom,
      );
      assert.equal(lock.locked(), false);

      // Without the acquire(), the release at the end of the block throws.
      await assert.rejects(
        async () => {
          await using _ = lock;
        },
        { name: "RuntimeError", message: /^Lock is not acquired/ },
      );
    });
  });

  it("toString() shows the class, state and waiters", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const waiters = [createTask(lock.acquire()), createTask(lock.acquire())];
      await sleep(0);
      assert.equal(String(lock), "<Lock [locked, waiters:2]>");
      for (const t of waiters) t.cancel();
      await gather(...waiters, { returnExceptions: true });
      assert.equal(String(lock), "<Lock [locked]>");

      assert.equal(String(new Event()), "<Event [unset]>");
      assert.equal(String(new Semaphore()), "<Semaphore [unlocked, value:1]>");
      assert.equal(String(new BoundedSemaphore(3)), "<BoundedSemaphore [unlocked, value:3]>");
      assert.equal(String(new Semaphore(0)), "<Semaphore [locked]>");
      assert.equal(String(new Condition()), "<Condition [unlocked]>");
      const barrier = new Barrier(3);
      assert.equal(String(barrier), "<Barrier [filling, waiters:0/3]>");
      await barrier.abort();
      assert.equal(String(barrier), "<Barrier [broken]>");
      assert.equal(barrier.parties, 3);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, true);
      await assert.rejects(barrier.wait(), { name: "BrokenBarrierError", message: "Barrier aborted" });
    });
  });

  it("bad input throws errors that say what to do", async () => {
    const messageOf = async (fn: () => unknown): Promise<[string, string, string]> => {
      try {
        await fn();
      } catch (err) {
        const e = err as Error & { code: string };
        return [e.name, e.code, e.message];
      }
      return assert.fail("expected it to throw");
    };
    await runVirtual(async () => {
      assert.deepEqual(await messageOf(() => new Lock().release()), [
        "RuntimeError",
        "ERR_ASYNCIO_RUNTIME",
        "Lock is not acquired: call release() once for each acquire() that succeeded, or let lock.with(body) pair them",
      ]);
      assert.deepEqual(await messageOf(() => new Semaphore(-1)), [
        "RangeError",
        "ERR_ASYNCIO_OUT_OF_RANGE",
        "Semaphore initial value must be an integer >= 0, got -1",
      ]);
      assert.deepEqual(await messageOf(() => new BoundedSemaphore(0.5)), [
        "RangeError",
        "ERR_ASYNCIO_OUT_OF_RANGE",
        "BoundedSemaphore initial value must be an integer >= 0, got 0.5",
      ]);
      assert.deepEqual(await messageOf(() => new Semaphore("2" as never)), [
        "TypeError",
        "ERR_ASYNCIO_INVALID_ARG_TYPE",
        "Semaphore initial value must be a number, got '2'",
      ]);
      const bounded = new BoundedSemaphore(2);
      await bounded.acquire();
      bounded.release();
      assert.deepEqual(await messageOf(() => bounded.release()), [
        "RangeError",
        "ERR_ASYNCIO_SEMAPHORE_RELEASED_TOO_MANY_TIMES",
        "BoundedSemaphore released too many times: it has all its 2 permits; call release() once for each acquire(), or let sem.with(body) pair them",
      ]);
      assert.deepEqual(await messageOf(() => new Barrier(0)), [
        "RangeError",
        "ERR_ASYNCIO_OUT_OF_RANGE",
        "Barrier parties must be > 0, got 0: the number of tasks that wait for each other",
      ]);
      assert.deepEqual((await messageOf(() => new Barrier(NaN)))[0], "RangeError");
      assert.deepEqual(await messageOf(() => new Condition(new Semaphore() as never)), [
        "TypeError",
        "ERR_ASYNCIO_INVALID_ARG_TYPE",
        "Condition() expects a Lock of asyncio-ts, got <Semaphore [unlocked, value:1]>: pass new Lock(), or nothing for a lock of its own",
      ]);
      const cond = new Condition();
      assert.deepEqual(await messageOf(() => cond.wait()), [
        "RuntimeError",
        "ERR_ASYNCIO_RUNTIME",
        "cannot wait on un-acquired lock: acquire the Condition first, as in cond.with(async () => { await cond.wait(); })",
      ]);
      assert.deepEqual(await messageOf(() => cond.notify()), [
        "RuntimeError",
        "ERR_ASYNCIO_RUNTIME",
        "cannot notify on un-acquired lock: acquire the Condition first, as in cond.with(async () => cond.notify())",
      ]);
      assert.deepEqual(await messageOf(() => cond.waitFor(true as never)), [
        "TypeError",
        "ERR_ASYNCIO_INVALID_ARG_TYPE",
        "waitFor() expects a predicate function, got true: cond.waitFor(() => state.ready)",
      ]);
      assert.deepEqual(await messageOf(() => new Lock().with(Promise.resolve(1) as never)), [
        "TypeError",
        "ERR_ASYNCIO_INVALID_ARG_TYPE",
        "Lock.with() expects the block as a function, got a Promise: lock.with(async () => { ... })",
      ]);
      assert.deepEqual(
        (await messageOf(() => new BoundedSemaphore().with(1 as never)))[2],
        "BoundedSemaphore.with() expects the block as a function, got 1: boundedSemaphore.with(async () => { ... })",
      );
    });
  });

  it("waiting outside a running loop is a RuntimeError; what needs no wait works", async () => {
    const ev = new Event();
    await assert.rejects(ev.wait(), { name: "RuntimeError", message: /^no running event loop/ });
    ev.set();
    assert.equal(await ev.wait(), true);
    const lock = new Lock();
    assert.equal(await lock.acquire(), true);
    lock.release();
  });

  it("binds to the loop where a task first waits, and refuses another loop after that", async () => {
    const ev = new Event();
    const sem = new Semaphore(0);
    const lock = new Lock();
    await runVirtual(async () => {
      const waiting = [createTask(ev.wait()), createTask(sem.acquire())];
      await sleep(0);
      ev.set();
      sem.release();
      await gather(...waiting);
      // Taken at once: no waiting, so not bound.
      await lock.with(() => undefined);
    });
    await run(async () => {
      ev.clear();
      await assert.rejects(ev.wait(), {
        name: "RuntimeError",
        message:
          "<Event [unset]> is bound to a different event loop: it belongs to the run() where a task first waited on it; make a new Event inside each run() that uses it",
      });
      await assert.rejects(sem.acquire(), { name: "RuntimeError", message: /^<Semaphore \[locked\]> is bound/ });
      // Not bound yet: binds to this loop.
      await lock.acquire();
      const waiter = createTask(lock.acquire());
      await sleep(0);
      lock.release();
      await waiter;
      lock.release();
    });
  });
});
