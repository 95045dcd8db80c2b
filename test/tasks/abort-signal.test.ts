/**
 * AbortSignal into asyncio-ts: `{ signal }` on sleep, waitFor, timeout,
 * timeoutAt, createTask, map, taskGroup, and the waits of the primitives
 * and queues. (The other way, `task.signal`, is tested
 * with cancellation in cancel.test.ts.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  Event,
  ExceptionGroup,
  Lock,
  Queue,
  Semaphore,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelled,
  map,
  sleep,
  taskGroup,
  timeout,
  timeoutAt,
  waitFor,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

/** Aborts `controller` at loop time `at`, with `reason`. */
function abortAt(controller: AbortController, at: number, reason?: unknown): void {
  getRunningLoop().callAt(at, () => controller.abort(reason));
}

function isAbortError(err: unknown, cause?: unknown): boolean {
  assert.ok(err instanceof Error, `expected an AbortError, got ${String(err)}`);
  assert.equal(err.name, "AbortError");
  if (cause !== undefined) assert.equal(err.cause, cause);
  assert.equal(isCancelled(err), true);
  return true;
}

describe("{ signal } options", () => {
  it("sleep() ends with an AbortError when its signal aborts, as timers/promises does", async () => {
    await runVirtual(async () => {
      const c = new AbortController();
      abortAt(c, 2, "stop");
      const t0 = getRunningLoop().time();
      await assert.rejects(sleep(10, "x", { signal: c.signal }), (err) => isAbortError(err, "stop"));
      assert.equal(getRunningLoop().time() - t0, 2);
    });
  });

  it("sleep() with an aborted signal fails at once, and sleep(0) too", async () => {
    await runVirtual(async () => {
      const signal = AbortSignal.abort("gone");
      const s = sleep(5, 1, { signal });
      assert.equal(s.done(), true);
      await assert.rejects(s, (err) => isAbortError(err, "gone"));
      const c = new AbortController();
      const zero = sleep(0, 1, { signal: c.signal });
      c.abort();
      await assert.rejects(zero, (err) => isAbortError(err));
      // The ready queue still held the sleep(0): its turn must not fail.
      await sleep(0);
    });
  });

  it("sleep() resolves as usual when the signal does not abort, and stops listening", async () => {
    await runVirtual(async () => {
      const c = new AbortController();
      assert.equal(await sleep(1, "done", { signal: c.signal }), "done");
      await sleep(0); // The done callback that removes the listener runs.
      c.abort(); // Nothing is listening: no error, no unhandled rejection.
    });
  });

  it("waitFor() throws an AbortError when its signal aborts before the time runs out", async () => {
    await runVirtual(async () => {
      const c = new AbortController();
      abortAt(c, 1, "user");
      let cancelledInside = false;
      await assert.rejects(
        waitFor(
          async () => {
            try {
              await sleep(10);
            } catch (err) {
              cancelledInside = err instanceof CancelledError;
              throw err;
            }
          },
          5,
          { signal: c.signal },
        ),
        (err) => isAbortError(err, "user"),
      );
      assert.equal(cancelledInside, true);
      assert.equal(getRunningLoop().time(), 1);
    });
  });

  it("waitFor() still throws TimeoutError when the time runs out first", async () => {
    await runVirtual(async () => {
      const c = new AbortController();
      abortAt(c, 3);
      await assert.rejects(waitFor(sleep(10), 1, { signal: c.signal }), TimeoutError);
    });
  });

  it("timeout() and timeoutAt() take a signal; the task's own cancel still wins over it", async () => {
    await runVirtual(async () => {
      const c = new AbortController();
      abortAt(c, 1);
      await assert.rejects(
        timeout(null, () => sleep(10), { signal: c.signal }),
        (err) => isAbortError(err),
      );
      await assert.rejects(
        timeoutAt(null, () => sleep(10), { signal: AbortSignal.abort() }),
        (err) => isAbortError(err),
      );
      // Cancelled from outside while the signal also aborts: CancelledError, as for a deadline.
      const c2 = new AbortController();
      const task = createTask(() => timeout(null, () => sleep(10), { signal: c2.signal }));
      await sleep(1);
      task.cancel();
      c2.abort();
      await assert.rejects(task, CancelledError);
    });
  });

  it("createTask({ signal }) cancels the task when the signal aborts", async () => {
    await runVirtual(async () => {
      const c = new AbortController();
      const task = createTask(() => sleep(10), { signal: c.signal });
      abortAt(c, 2);
      await assert.rejects(task, CancelledError);
      assert.equal(task.cancelled(), true);
      assert.equal(getRunningLoop().time(), 2);
      let ran = false;
      const never = createTask(
        async () => {
          ran = true;
        },
        { signal: AbortSignal.abort() },
      );
      await assert.rejects(never, { name: "CancelledError", message: "aborted by its AbortSignal" });
      assert.equal(ran, false);
    });
  });

  it("map({ signal }) cancels the running calls, starts no more, and throws an AbortError", async () => {
    const started: number[] = [];
    await runVirtual(async () => {
      const c = new AbortController();
      abortAt(c, 1.5, "enough");
      await assert.rejects(
        map(
          [1, 1, 1, 1, 1],
          async (x, i) => {
            started.push(i);
            await sleep(x);
          },
          { limit: 2, signal: c.signal },
        ),
        (err) => isAbortError(err, "enough"),
      );
    });
    assert.deepEqual(started, [0, 1, 2, 3]);
  });

  it("taskGroup({ signal }) cancels the body and the tasks, then throws an AbortError", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const c = new AbortController();
      abortAt(c, 2, "stop the group");
      const child = (name: string) => async (): Promise<void> => {
        try {
          await sleep(10);
        } catch (err) {
          log.push(`${name}: ${(err as Error).name}`);
          throw err;
        }
      };
      await assert.rejects(
        taskGroup(
          async (tg) => {
            tg.createTask(child("a"));
            tg.createTask(child("b"));
            await child("body")();
          },
          { signal: c.signal },
        ),
        (err) => isAbortError(err, "stop the group"),
      );
      assert.equal(getRunningLoop().time(), 2);
      // The awaiting task is not left cancelled.
      assert.equal(currentTask()!.cancelling(), 0);
    });
    assert.deepEqual(log.sort(), ["a: CancelledError", "b: CancelledError", "body: CancelledError"]);
  });

  it("taskGroup({ signal }) throws the ExceptionGroup when a task failed before the abort", async () => {
    await runVirtual(async () => {
      const c = new AbortController();
      const err = await taskGroup(
        async (tg) => {
          tg.createTask(async () => {
            await sleep(1);
            c.abort();
            throw new RangeError("failed first");
          });
          await sleep(10);
        },
        { signal: c.signal },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ExceptionGroup, `got ${String(err)}`);
      assert.ok(err.exceptions[0] instanceof RangeError);
    });
  });

  it("the waits of the primitives and queues take a signal; an abort passes the wake-up on", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const c = new AbortController();
      const aborted = createTask(() => lock.acquire({ signal: c.signal }));
      const next = createTask(() => lock.acquire());
      await sleep(0);
      c.abort("not needed");
      lock.release();
      await assert.rejects(aborted, (err) => isAbortError(err, "not needed"));
      assert.equal(await next, true); // The second waiter got the lock.
      assert.equal(lock.locked(), true);

      const q = new Queue<number>();
      const c2 = new AbortController();
      abortAt(c2, 3);
      await assert.rejects(q.get({ signal: c2.signal }), (err) => isAbortError(err));
      q.putNowait(7);
      assert.equal(await q.get({ signal: new AbortController().signal }), 7);

      const event = new Event();
      await assert.rejects(event.wait({ signal: AbortSignal.abort() }), (err) => isAbortError(err));
      const sem = new Semaphore(0);
      await assert.rejects(sem.acquire({ signal: AbortSignal.abort() }), (err) => isAbortError(err));
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });

  it("refuses a signal that is not an AbortSignal, saying what to pass", async () => {
    await runVirtual(async () => {
      const expected = (what: string) => ({
        name: "TypeError",
        message: `${what} signal must be an AbortSignal, got 'x': pass controller.signal`,
      });
      const signal = "x" as unknown as AbortSignal;
      assert.throws(() => sleep(1, 1, { signal }), expected("sleep()"));
      assert.throws(() => waitFor(sleep(0), 1, { signal }), expected("waitFor()"));
      assert.throws(() => timeout(1, () => 1, { signal }), expected("timeout()"));
      assert.throws(() => createTask(() => 1, { signal }), expected("createTask()"));
      assert.throws(() => map([], () => 1, { signal }), expected("map()"));
      assert.throws(() => taskGroup(() => 1, { signal }), expected("taskGroup()"));
      assert.throws(() => new Lock().acquire({ signal }), expected("Lock.acquire()"));
      assert.throws(() => new Queue().get({ signal }), expected("Queue.get()"));
    });
  });
});
