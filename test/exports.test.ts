import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "asyncio-ts";

describe("public API", () => {
  it("exports exactly these names, so an API change is a deliberate diff", () => {
    assert.deepEqual(Object.keys(asyncio).sort(), [
      "ALL_COMPLETED",
      "AsCompleted",
      "Barrier",
      "BoundedSemaphore",
      "BrokenBarrierError",
      "CancelledError",
      "Condition",
      "Coroutine",
      "Event",
      "EventLoop",
      "ExceptionGroup",
      "FIRST_COMPLETED",
      "FIRST_EXCEPTION",
      "Future",
      "GatheringFuture",
      "Handle",
      "InvalidStateError",
      "KeyboardInterrupt",
      "LifoQueue",
      "Lock",
      "MonotonicClock",
      "PriorityQueue",
      "Queue",
      "QueueEmpty",
      "QueueFull",
      "QueueShutDown",
      "Runner",
      "RuntimeError",
      "Semaphore",
      "Task",
      "TaskGroup",
      "ThreadPoolExecutor",
      "Timeout",
      "TimeoutError",
      "TimerHandle",
      "VirtualClock",
      "WorkerError",
      "aclosing",
      "allTasks",
      "asCompleted",
      "cancellable",
      "captureCallGraph",
      "coroutine",
      "createEagerTaskFactory",
      "createTask",
      "currentTask",
      "eagerTaskFactory",
      "ensureFuture",
      "formatCallGraph",
      "gather",
      "getRunningLoop",
      "isCancelled",
      "isCoroutine",
      "isFuture",
      "map",
      "moduleFunction",
      "printCallGraph",
      "registerErrorClass",
      "run",
      "shield",
      "sleep",
      "taskGroup",
      "timeout",
      "timeoutAt",
      "toThread",
      "transfer",
      "wait",
      "waitFor",
    ]);
  });

  it("gives every error class its own name and a stable code", () => {
    const cases: [Error & { code: string }, string, string][] = [
      [new asyncio.CancelledError(), "CancelledError", "ERR_ASYNCIO_CANCELLED"],
      [new asyncio.TimeoutError(), "TimeoutError", "ERR_ASYNCIO_TIMEOUT"],
      [new asyncio.InvalidStateError(), "InvalidStateError", "ERR_ASYNCIO_INVALID_STATE"],
      [new asyncio.RuntimeError(), "RuntimeError", "ERR_ASYNCIO_RUNTIME"],
      [new asyncio.KeyboardInterrupt(), "KeyboardInterrupt", "ERR_ASYNCIO_KEYBOARD_INTERRUPT"],
      [new asyncio.WorkerError(), "WorkerError", "ERR_ASYNCIO_WORKER"],
      [new asyncio.ExceptionGroup("m", [new Error()]), "ExceptionGroup", "ERR_ASYNCIO_EXCEPTION_GROUP"],
      [new asyncio.QueueEmpty(), "QueueEmpty", "ERR_ASYNCIO_QUEUE_EMPTY"],
      [new asyncio.QueueFull(), "QueueFull", "ERR_ASYNCIO_QUEUE_FULL"],
      [new asyncio.QueueShutDown(), "QueueShutDown", "ERR_ASYNCIO_QUEUE_SHUT_DOWN"],
      [new asyncio.BrokenBarrierError(), "BrokenBarrierError", "ERR_ASYNCIO_BROKEN_BARRIER"],
    ];
    for (const [err, name, code] of cases) {
      assert.ok(err instanceof Error);
      assert.equal(err.name, name);
      assert.equal(err.code, code);
      assert.match(String(err), new RegExp(`^${name}`));
    }
  });
});
