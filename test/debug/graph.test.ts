/**
 * The task tree: captureCallGraph(), formatCallGraph() and printCallGraph().
 *
 * The CallStackTestBase tests are ported from CPython 3.14
 * Lib/test/test_asyncio/test_graph.py. Their expected call stacks differ
 * where a JavaScript engine shows less than CPython: a waiting task's stack
 * is what it awaits ("w ...") and the function it runs, without the async
 * functions in between; in the current task's running stack, the function
 * that runs now is a plain frame ("s c4" where CPython says "a c4"); and
 * asyncio-ts's own frames (CPython's "a _aexit", "a __aexit__") are left out.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Event,
  Future,
  type FutureCallGraph,
  Lock,
  Queue,
  Semaphore,
  Task,
  asCompleted,
  captureCallGraph,
  coroutine,
  createTask,
  getRunningLoop,
  formatCallGraph,
  gather,
  map,
  printCallGraph,
  run,
  shield,
  sleep,
  taskGroup,
  timeout,
  toThread,
  wait,
  waitFor,
} from "asyncio-ts";

type Walked = [string, string[], Walked[]];

function walk(graph: FutureCallGraph): Walked {
  const future = graph.future;
  const label = future instanceof Task ? (future.getName().includes("-") ? "T<anon>" : `T<${future.getName()}>`) : "F";
  const stack = graph.callStack.map((e) => `${e.kind === "awaits" ? "w" : e.kind === "async" ? "a" : "s"} ${e.name}`);
  const awaitedBy = graph.awaitedBy.map(walk).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [label, stack, awaitedBy];
}

// CPython's capture_test_stack: the walked graph, and the printed one.
function captureTestStack(fut?: Future<unknown>, depth = 1): [Walked, string] {
  let printed = "";
  printCallGraph(fut, { file: { write: (text: string) => (printed += text) }, depth });
  const graph = captureCallGraph(fut, { depth });
  assert.ok(graph !== undefined);
  return [walk(graph), printed];
}

describe("captureCallGraph (ported from CPython 3.14 test_graph.py CallStackTestBase)", () => {
  // Ported from test_graph.py: CallStackTestBase.test_stack_tgroup (CPython 3.14)
  it("test_stack_tgroup", async () => {
    let stackForC5: [Walked, string] | undefined;
    function c5(): void {
      stackForC5 = captureTestStack(undefined, 2);
    }
    async function c4(): Promise<void> {
      await sleep(0);
      c5();
    }
    async function c3(): Promise<void> {
      await c4();
    }
    async function c2(): Promise<void> {
      await c3();
    }
    const c1 = coroutine(async function c1(task: Task<unknown>) {
      await task;
    });
    async function main(): Promise<void> {
      await taskGroup((tg) => {
        const task = tg.createTask(c2, { name: "c2_root" });
        tg.createTask(c1(task), { name: "sub_main_1" });
        tg.createTask(c1(task), { name: "sub_main_2" });
      });
    }
    await run(async function test_stack_tgroup() {
      await main();
    });
    const parent: Walked = ["T<anon>", ["w taskGroup()", "a test_stack_tgroup"], []];
    assert.deepEqual(stackForC5![0], [
      "T<c2_root>",
      ["s c5", "s c4", "a c3", "a c2"],
      [parent, ["T<sub_main_1>", ["w c2_root", "a c1"], [parent]], ["T<sub_main_2>", ["w c2_root", "a c1"], [parent]]],
    ]);
    assert.match(stackForC5![1], / async test_stack_tgroup\(\)/);
  });

  // Ported from test_graph.py: CallStackTestBase.test_stack_async_gen (CPython 3.14)
  it("test_stack_async_gen", async () => {
    let stack: [Walked, string] | undefined;
    async function genNestedCall(): Promise<void> {
      stack = captureTestStack();
    }
    async function* gen(): AsyncGenerator<number> {
      for (let num = 0; num < 2; num++) {
        yield num;
        if (num === 1) await genNestedCall();
      }
    }
    async function main(): Promise<void> {
      for await (const el of gen()) void el;
    }
    await run(async function test_stack_async_gen() {
      await main();
    });
    // CPython's test expects ['s capture_test_stack', 'a gen_nested_call',
    // 'ag gen', 'a main', ...]: there, the coroutines are frames of their
    // own kind; here gen_nested_call, gen and main run synchronously (main
    // resumed gen with next()), and only the awaiting function is async.
    assert.deepEqual(stack![0], [
      "T<anon>",
      ["s captureTestStack", "s genNestedCall", "s gen", "s main", "a test_stack_async_gen"],
      [],
    ]);
  });

  // Ported from test_graph.py: CallStackTestBase.test_stack_gather (CPython 3.14)
  it("test_stack_gather", async () => {
    let stackForDeep: [Walked, string] | undefined;
    async function deep(): Promise<void> {
      await sleep(0);
      stackForDeep = captureTestStack();
    }
    const c1 = coroutine(async function c1() {
      await sleep(0);
      await deep();
    });
    const c2 = coroutine(async function c2() {
      await sleep(0);
    });
    async function main(): Promise<void> {
      await gather(c1(), c2());
    }
    await run(async function test_stack_gather() {
      await main();
    });
    assert.deepEqual(stackForDeep![0], [
      "T<anon>",
      ["s captureTestStack", "s deep", "a c1"],
      [["T<anon>", ["w gather()", "a test_stack_gather"], []]],
    ]);
  });

  // Ported from test_graph.py: CallStackTestBase.test_stack_shield (CPython 3.14)
  it("test_stack_shield", async () => {
    let stackForShield: [Walked, string] | undefined;
    async function deep(): Promise<void> {
      await sleep(0);
      stackForShield = captureTestStack();
    }
    const c1 = coroutine(async function c1() {
      await sleep(0);
      await deep();
    });
    async function main(): Promise<void> {
      await shield(c1());
    }
    await run(async function test_stack_shield() {
      await main();
    });
    assert.deepEqual(stackForShield![0], [
      "T<anon>",
      ["s captureTestStack", "s deep", "a c1"],
      [["T<anon>", ["w shield()", "a test_stack_shield"], []]],
    ]);
  });

  // Ported from test_graph.py: CallStackTestBase.test_stack_timeout (CPython 3.14)
  it("test_stack_timeout", async () => {
    let stackForInner: [Walked, string] | undefined;
    async function inner(): Promise<void> {
      await sleep(0);
      stackForInner = captureTestStack();
    }
    const c1 = coroutine(async function c1() {
      await timeout(1, async function timed() {
        await sleep(0);
        await inner();
      });
    });
    async function main(): Promise<void> {
      await shield(c1());
    }
    await run(async function test_stack_timeout() {
      await main();
    });
    // asyncio-ts's `async with timeout(1):` is a callback: it is a frame.
    assert.deepEqual(stackForInner![0], [
      "T<anon>",
      ["s captureTestStack", "s inner", "a timed", "a c1"],
      [["T<anon>", ["w shield()", "a test_stack_timeout"], []]],
    ]);
  });

  // Ported from test_graph.py: CallStackTestBase.test_stack_wait (CPython 3.14)
  it("test_stack_wait", async () => {
    let stackForInner: [Walked, string] | undefined;
    async function inner(): Promise<void> {
      await sleep(0);
      stackForInner = captureTestStack();
    }
    const c1 = coroutine(async function c1() {
      await timeout(1, async function timed() {
        await sleep(0);
        await inner();
      });
    });
    const c2 = coroutine(async function c2() {
      for (let i = 0; i < 3; i++) await sleep(0);
    });
    async function main(t1: Task<unknown>, t2: Task<unknown>): Promise<void> {
      for (;;) {
        const [, pending] = await wait([t1, t2]);
        if (pending.size === 0) break;
      }
    }
    await run(async function test_stack_wait() {
      const t1 = createTask(c1());
      const t2 = createTask(c2());
      try {
        await main(t1, t2);
      } finally {
        await t1;
        await t2;
      }
    });
    assert.deepEqual(stackForInner![0], [
      "T<anon>",
      ["s captureTestStack", "s inner", "a timed", "a c1"],
      [["T<anon>", ["w wait()", "a test_stack_wait"], []]],
    ]);
  });

  // Ported from test_graph.py: CallStackTestBase.test_stack_task (CPython 3.14)
  it("test_stack_task", async () => {
    let stackForInner: [Walked, string] | undefined;
    async function inner(): Promise<void> {
      await sleep(0);
      stackForInner = captureTestStack();
    }
    const c1 = coroutine(async function c1() {
      await inner();
    });
    async function c2(): Promise<void> {
      await createTask(c1(), { name: "there there" });
    }
    async function main(): Promise<void> {
      await c2();
    }
    await run(async function test_stack_task() {
      await main();
    });
    assert.deepEqual(stackForInner![0], [
      "T<there there>",
      ["s captureTestStack", "s inner", "a c1"],
      [["T<anon>", ["w there there", "a test_stack_task"], []]],
    ]);
  });

  // Ported from test_graph.py: CallStackTestBase.test_stack_future (CPython 3.14)
  it("test_stack_future", async () => {
    let stackForFut: [Walked, string] | undefined;
    const a2 = async (fut: Future<unknown>): Promise<void> => {
      await fut;
    };
    const a1 = coroutine(async function a1(fut: Future<unknown>) {
      await a2(fut);
    });
    const b1 = coroutine(async function b1(fut: Future<unknown>) {
      await fut;
    });
    async function main(): Promise<void> {
      const fut = new Future<void>();
      await taskGroup(async (g) => {
        g.createTask(a1(fut), { name: "task A" });
        g.createTask(b1(fut), { name: "task B" });
        // A few iterations, so that both a1 and b1 await the future.
        for (let i = 0; i < 5; i++) await sleep(0);
        stackForFut = captureTestStack(fut);
        fut.setResult();
      });
    }
    await run(async function test_stack_future() {
      await main();
    });
    const parent: Walked = ["T<anon>", ["a test_stack_future"], []];
    assert.deepEqual(stackForFut![0], [
      "F",
      [],
      [
        ["T<task A>", ["w Future", "a a1"], [parent]],
        ["T<task B>", ["w Future", "a b1"], [parent]],
      ],
    ]);
    assert.ok(stackForFut![1].startsWith("* Future("), stackForFut![1]);
  });
});

// What a waiting task waits on, as the tree names it, for each asyncio-ts
// awaitable (asyncio-ts's own: CPython shows the coroutine frames instead).
// A task that awaits a foreign promise hears of its cancel only at its next
// asyncio-ts await: `release` settles that promise.
async function stackOf(make: () => Promise<unknown>, release?: () => void): Promise<string[]> {
  let names: string[] = [];
  await run(async () => {
    const task = createTask(make, { name: "waiting" });
    for (let i = 0; i < 3; i++) await sleep(0);
    names = captureCallGraph(task)!.callStack.map((e) => `${e.kind} ${e.name}`);
    task.cancel();
    release?.();
    await gather(task, { returnExceptions: true });
  });
  return names;
}

describe("what a waiting task awaits", () => {
  it("names the primitives' and queues' waits", async () => {
    const lock = new Lock();
    const held = async function holdsLock(): Promise<void> {
      await lock.acquire();
      await lock.acquire();
    };
    assert.deepEqual(await stackOf(held), ["awaits Lock.acquire()", "async holdsLock"]);
    assert.deepEqual(
      await stackOf(async function waitsForEvent() {
        await new Event().wait();
      }),
      ["awaits Event.wait()", "async waitsForEvent"],
    );
    assert.deepEqual(
      await stackOf(async function waitsForSemaphore() {
        await new Semaphore(0).acquire();
      }),
      ["awaits Semaphore.acquire()", "async waitsForSemaphore"],
    );
    assert.deepEqual(
      await stackOf(async function getsFromQueue() {
        await new Queue().get();
      }),
      ["awaits Queue.get()", "async getsFromQueue"],
    );
  });

  it("names sleep(), waitFor(), asCompleted(), map() and a foreign promise", async () => {
    assert.deepEqual(
      await stackOf(async function sleeper() {
        await sleep(60);
      }),
      ["awaits sleep()", "async sleeper"],
    );
    assert.deepEqual(
      await stackOf(async function waitsForTwo() {
        for await (const done of asCompleted([sleep(60), sleep(61)])) done.result();
      }),
      ["awaits asCompleted()", "async waitsForTwo"],
    );
    assert.deepEqual(
      await stackOf(async function maps() {
        await map([60, 61], (s) => sleep(s), { limit: 1 });
      }),
      ["awaits map()", "async maps"],
    );
    let release = (): void => {};
    const foreignPromise = (): Promise<void> => new Promise((resolve) => (release = resolve));
    assert.deepEqual(
      await stackOf(
        async function foreign() {
          await foreignPromise();
        },
        () => release(),
      ),
      ["awaits a foreign promise", "async foreign"],
    );
    assert.deepEqual(
      await stackOf(
        async function waitsFor() {
          await waitFor(foreignPromise(), 60);
        },
        () => release(),
      ),
      ["awaits a foreign promise", "async waitsFor"],
    );
  });

  it("names a toThread job and the worker that runs it", async () => {
    let text = "";
    await run(async () => {
      const shared = new Int32Array(new SharedArrayBuffer(4));
      const job = createTask(
        async function offloads() {
          await toThread((cell: Int32Array) => {
            Atomics.wait(cell, 0, 0, 10_000);
          }, shared);
        },
        { name: "offloads" },
      );
      // Until the worker has the job; then the tree names it.
      while (!/on worker thread \d+/.test(formatCallGraph(job))) await sleep(0.005);
      text = formatCallGraph(job);
      Atomics.store(shared, 0, 1);
      Atomics.notify(shared, 0);
      await job;
    });
    assert.match(
      text,
      /^\* Task\(name='offloads', id=\d+, state=pending\)\n {2}\+ Call stack:\n {2}\| {3}awaits toThread job \d+ on worker thread \d+\n/,
    );
  });
});

describe("awaited by, through the combinators", () => {
  it("follows gather(), asCompleted(), map() and a gather with a limit to the awaiting task", async () => {
    const awaiters: Record<string, string[]> = {};
    await run(async () => {
      const gate = new Event();
      const worker = (name: string) =>
        createTask(
          async () => {
            await gate.wait();
          },
          { name },
        );
      const viaGather = worker("viaGather");
      const viaAsCompleted = worker("viaAsCompleted");
      const viaLimit = worker("viaLimit");
      const awaiter = (name: string, body: () => Promise<unknown>) => createTask(body, { name });
      const tasks = [
        awaiter("gatherer", () => gather(viaGather)),
        awaiter("collector", async () => {
          for await (const f of asCompleted([viaAsCompleted])) f.result();
        }),
        awaiter("limited", () => gather(() => viaLimit, { limit: 1 })),
      ];
      for (let i = 0; i < 5; i++) await sleep(0);
      for (const t of [viaGather, viaAsCompleted]) {
        awaiters[t.getName()] = captureCallGraph(t)!.awaitedBy.map((g) => (g.future as Task).getName());
      }
      // gather(() => viaLimit) runs the function as a task that awaits viaLimit.
      awaiters["viaLimit"] = captureCallGraph(viaLimit)!.awaitedBy.flatMap((g) => [
        (g.future as Task).getName(),
        ...g.awaitedBy.map((h) => (h.future as Task).getName()),
      ]);
      gate.set();
      await gather(...tasks);
    });
    assert.deepEqual(awaiters["viaGather"], ["gatherer"]);
    assert.deepEqual(awaiters["viaAsCompleted"], ["collector"]);
    assert.equal(awaiters["viaLimit"]![1], "limited");
  });

  it("stops at a cycle of tasks awaiting each other", async () => {
    let text = "";
    await run(async () => {
      const ready = new Future<{ b: Task<unknown> }>();
      const a = createTask(
        async () => {
          await shield((await ready).b);
        },
        { name: "a" },
      );
      // a awaits b through shield(), so that cancelling a ends both (a
      // cancel of tasks awaiting each other directly recurses, as in CPython).
      const b = createTask(() => a, { name: "b" });
      ready.setResult({ b });
      for (let i = 0; i < 3; i++) await sleep(0);
      text = formatCallGraph(a);
      a.cancel();
      await gather(a, b, { returnExceptions: true });
    });
    assert.equal(
      text.replace(/id=\d+/g, "id=ID"),
      [
        "* Task(name='a', id=ID, state=pending)",
        "  + Call stack:",
        "  |   awaits shield()",
        "  |   async <anonymous>()",
        "  + Awaited by:",
        "    * Task(name='b', id=ID, state=pending)",
        "      + Call stack:",
        "      |   awaits a",
        "      |   async <anonymous>()",
      ].join("\n"),
    );
  });
});

describe("captureCallGraph and printCallGraph, as CPython's", () => {
  it("returns undefined with no current task, and throws outside a loop with no future", async () => {
    assert.throws(() => captureCallGraph(), {
      name: "RuntimeError",
      message: /outside of a running event loop and no future to introspect was given: pass a Task or Future/,
    });
    let graph: FutureCallGraph | undefined | "not captured" = "not captured";
    await run(async () => {
      await new Promise<void>((resolve) =>
        getRunningLoop().callSoon(() => {
          graph = captureCallGraph(); // a loop callback: no task is running
          resolve();
        }),
      );
    });
    assert.equal(graph, undefined);
  });

  it("refuses what is not a Future, and bad options", async () => {
    await run(async () => {
      assert.throws(() => captureCallGraph(Promise.resolve() as never), {
        name: "TypeError",
        message:
          /captureCallGraph\(\) expects an asyncio-ts Future or Task, got .*: pass the Task that createTask\(\) returned/,
      });
      assert.throws(() => captureCallGraph(undefined, { depth: 0 }), /depth must be a whole number of at least 1/);
      assert.throws(() => formatCallGraph(undefined, { limit: -1 }), /limit must be a whole number of at least 0/);
      assert.throws(() => printCallGraph(undefined, { file: {} as never }), /file must have a write\(text\) method/);
    });
  });

  it("names each task's state: running, pending, cancelling, and how a done one ended", async () => {
    const states: string[] = [];
    const stateIn = (text: string): string => /state=(\w+)/.exec(text)![1]!;
    await run(async function main() {
      states.push(stateIn(formatCallGraph()));
      const sleeper = createTask(() => sleep(60), { name: "sleeper" });
      const stubborn = createTask(
        async () => {
          try {
            await sleep(60);
          } catch {
            await sleep(0); // Still running after its cancel: cancelling.
            await sleep(0);
          }
        },
        { name: "stubborn" },
      );
      const failing = createTask(
        async () => {
          throw new RangeError("boom");
        },
        { name: "failing" },
      );
      await sleep(0);
      states.push(stateIn(formatCallGraph(sleeper)));
      stubborn.cancel();
      await sleep(0);
      states.push(stateIn(formatCallGraph(stubborn)));
      sleeper.cancel();
      await gather(sleeper, stubborn, failing, { returnExceptions: true });
      states.push(
        stateIn(formatCallGraph(sleeper)),
        stateIn(formatCallGraph(stubborn)),
        stateIn(formatCallGraph(failing)),
      );
    });
    assert.deepEqual(states, ["running", "pending", "cancelling", "cancelled", "finished", "failed"]);
  });

  it("shows the creation site in debug mode, and the limit cuts each call stack", async () => {
    let debugText = "";
    let plainText = "";
    let limited = "";
    const body = async function sleeper(): Promise<void> {
      await sleep(60);
    };
    for (const debug of [true, false]) {
      await run(
        async () => {
          const task = createTask(body, { name: "sleeper" });
          await sleep(0);
          if (debug) debugText = formatCallGraph(task);
          else {
            plainText = formatCallGraph(task);
            limited = formatCallGraph(task, { limit: 1 });
          }
          task.cancel();
        },
        { debug },
      );
    }
    assert.match(debugText, /\n {2}\+ Created at: .*graph\.test\.[jt]s:\d+:\d+/);
    assert.doesNotMatch(plainText, /Created at/);
    assert.match(plainText, /awaits sleep\(\)\n {2}\| {3}async sleeper\(\)$/);
    assert.match(limited, /awaits sleep\(\)$/);
  });
});
