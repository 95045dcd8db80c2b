import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  Coroutine,
  Future,
  RuntimeError,
  type Task,
  TimeoutError,
  asCompleted,
  coroutine,
  createTask,
  ensureFuture,
  getRunningLoop,
  sleep,
  wait,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

/** The loop time, for traces: `what@0.10`. */
function stamp(what: string): string {
  return `${what}@${getRunningLoop().time().toFixed(2)}`;
}

/**
 * What `for await (const x of asCompleted(...))` gives at run time: the Task
 * or Future itself. TypeScript types a `for await` value as Awaited<...>, which
 * for a thenable Future is its result type, so the tests state the real type.
 */
function asFuture<T>(x: unknown): Future<T> {
  assert.ok(x instanceof Future, `for await…of asCompleted() gave ${String(x)}, not a Future`);
  return x as Future<T>;
}

/** An async function that sleeps `delay` seconds, then returns `result`. */
function sleeper<T>(delay: number, result: T): () => Promise<T> {
  return async () => await sleep(delay, result);
}

// The seed's as_completed program, line for line.
const SEED_PYTHON = `
async def a():
    print_at('a: started')
    await asyncio.sleep(0.2)
    print_at('a: finished')
    return 'a'

async def b():
    print_at('b: started')
    await asyncio.sleep(0.1)
    print_at('b: finished')
    return 'b'

async def c():
    print_at('c: started')
    await asyncio.sleep(0.3)
    print_at('c: finished')
    return 'c'

async def main():
    todo = [a(), b(), c()]
    for coro in asyncio.as_completed(todo):
        result = await coro
        print_at(result)
`;

// Runs it under CPython on a loop whose time jumps to the next timer when
// nothing is ready, as asyncio-ts's VirtualClock does: no wall-clock wait.
const PYTHON_VIRTUAL_LOOP = `
import asyncio

class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        super().__init__()
        self._virtual_time = 0.0
    def time(self):
        return self._virtual_time
    def _run_once(self):
        if not self._ready:
            whens = [h._when for h in self._scheduled if not h._cancelled]
            if whens:
                self._virtual_time = max(self._virtual_time, min(whens))
        super()._run_once()

def print_at(msg):
    print(f"{msg}@{asyncio.get_running_loop().time():.1f}")
${SEED_PYTHON}
loop = VirtualTimeLoop()
try:
    loop.run_until_complete(main())
finally:
    loop.close()
`;

/** The seed's program in asyncio-ts; returns its output lines, `line@time`. */
async function seedProgramTrace(): Promise<string[]> {
  const out: string[] = [];
  const printAt = (msg: string): void => {
    out.push(`${msg}@${getRunningLoop().time().toFixed(1)}`);
  };
  const make = (name: string, delay: number) =>
    coroutine(async () => {
      printAt(`${name}: started`);
      await sleep(delay);
      printAt(`${name}: finished`);
      return name;
    });
  const a = make("a", 0.2);
  const b = make("b", 0.1);
  const c = make("c", 0.3);
  await runVirtual(async () => {
    const todo = [a(), b(), c()];
    for (const coro of asCompleted(todo)) {
      const result = await coro;
      printAt(result);
    }
  });
  return out;
}

/**
 * What CPython guarantees about the seed's output: as_completed() puts its
 * awaitables in a set, so the order in which a, b, c start is arbitrary (the
 * seed shows "a, c, b"); they all start at 0.0, and everything after that
 * follows the deadlines.
 */
function guaranteed(lines: string[]): { started: string[]; then: string[] } {
  return { started: lines.slice(0, 3).sort(), then: lines.slice(3) };
}

describe("asCompleted()", () => {
  it("runs the seed's program: awaitables from for…of resolve in completion order", async () => {
    const out = await seedProgramTrace();
    // CPython's start order is arbitrary (a set): compared as sorted.
    assert.deepEqual(guaranteed(out), {
      started: ["a: started@0.0", "b: started@0.0", "c: started@0.0"],
      then: ["b: finished@0.1", "b@0.1", "a: finished@0.2", "a@0.2", "c: finished@0.3", "c@0.3"],
    });
  });

  it("prints what CPython prints for the seed's program, where CPython guarantees an order", async () => {
    // CPython's as_completed() iterates a set, so which of a, b, c starts
    // first is arbitrary there: only the rest is compared line for line.
    const python = spawnSync("python3", ["-c", PYTHON_VIRTUAL_LOOP], { encoding: "utf8" });
    assert.equal(python.error, undefined, `python3 could not run: ${String(python.error)}`);
    assert.equal(python.status, 0, python.stderr);
    const pythonLines = python.stdout.trimEnd().split("\n");
    const ours = await seedProgramTrace();
    assert.equal(pythonLines.length, 9, python.stdout);
    assert.deepEqual(guaranteed(ours), guaranteed(pythonLines));
    // The seed's own recorded output agrees too.
    const seedRecorded = [
      "a: started@0.0",
      "c: started@0.0",
      "b: started@0.0",
      "b: finished@0.1",
      "b@0.1",
      "a: finished@0.2",
      "a@0.2",
      "c: finished@0.3",
      "c@0.3",
    ];
    assert.deepEqual(guaranteed(ours), guaranteed(seedRecorded));
  });

  it("with for await…of, yields the original Tasks and Futures in completion order", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const slow = createTask(sleeper(0.3, "slow"));
      const fast = createTask(sleeper(0.1, "fast"));
      const fut = loop.createFuture<string>();
      loop.callLater(0.2, () => fut.setResult("fut"));
      const given = [slow, fast, fut];
      for await (const x of asCompleted(given)) {
        const t = asFuture<string>(x);
        assert.ok(given.includes(t), "yields one of the awaitables given");
        assert.equal(t.done(), true);
        trace.push(stamp(`${["slow", "fast", "fut"][given.indexOf(t)]}: ${t.result()}`));
      }
      trace.push(stamp("loop ended"));
    });
    assert.deepEqual(trace, ["fast: fast@0.10", "fut: fut@0.20", "slow: slow@0.30", "loop ended@0.30"]);
  });

  it("with for await…of, yields Tasks made from async functions, each done", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      for await (const x of asCompleted([sleeper(0.2, "b"), sleeper(0.1, "a")])) {
        const t = asFuture<string>(x);
        trace.push(stamp(`${t.done()} ${t.result()}`));
      }
    });
    assert.deepEqual(trace, ["true a@0.10", "true b@0.20"]);
  });

  it("after the timeout, the awaitables still to come throw TimeoutError; the tasks themselves are not cancelled", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const a = createTask(sleeper(0.1, "a"));
      const b = createTask(sleeper(0.15, "b"));
      for (const next of asCompleted([a, b], { timeout: 0.12 })) {
        try {
          trace.push(stamp(`result ${await next}`));
        } catch (err) {
          assert.ok(err instanceof TimeoutError);
          trace.push(stamp(err.name));
        }
      }
      trace.push(stamp(`b.cancelled() -> ${b.cancelled()}`));
      trace.push(stamp(`await b -> ${await b}`));
    });
    assert.deepEqual(trace, ["result a@0.10", "TimeoutError@0.12", "b.cancelled() -> false@0.12", "await b -> b@0.15"]);
  });

  it("with for await…of, throws TimeoutError from next() after the timeout; the tasks are not cancelled", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const a = createTask(sleeper(0.1, "a"));
      const b = createTask(sleeper(0.15, "b"));
      try {
        for await (const t of asCompleted([a, b], { timeout: 0.12 })) {
          trace.push(stamp(`got ${asFuture<string>(t).result()}`));
        }
        trace.push("loop ended");
      } catch (err) {
        assert.ok(err instanceof TimeoutError);
        trace.push(stamp(err.name));
      }
      trace.push(stamp(`b.cancelled() -> ${b.cancelled()}`));
      trace.push(stamp(`await b -> ${await b}`));
    });
    assert.deepEqual(trace, ["got a@0.10", "TimeoutError@0.12", "b.cancelled() -> false@0.12", "await b -> b@0.15"]);
  });

  it("the TimeoutError says asCompleted() timed out and after how long, from either kind of loop", async () => {
    const messages = await runVirtual(async () => {
      const messages: string[] = [];
      const slow = createTask(sleeper(1, "slow"));
      for (const next of asCompleted([slow], { timeout: 0.25 })) {
        await next.catch((err: unknown) => {
          assert.ok(err instanceof TimeoutError);
          messages.push(err.message);
        });
      }
      try {
        for await (const t of asCompleted([slow], { timeout: 0.5 })) assert.fail(`got ${String(t)}`);
      } catch (err) {
        assert.ok(err instanceof TimeoutError);
        messages.push(err.message);
      }
      await slow;
      return messages;
    });
    assert.deepEqual(messages, [
      "asCompleted() timed out after 0.25 s, before every awaitable was done",
      "asCompleted() timed out after 0.5 s, before every awaitable was done",
    ]);
  });

  it("yields nothing for no awaitables, with either kind of loop, even with a timeout", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      for (const next of asCompleted([], { timeout: 1 })) trace.push(`sync ${String(next)}`);
      for await (const t of asCompleted([])) trace.push(`async ${String(t)}`);
      trace.push(stamp("done"));
    });
    assert.deepEqual(trace, ["done@0.00"]);
  });

  it("counts an awaitable given twice once", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const t = createTask(sleeper(0.1, "t"));
      const u = createTask(sleeper(0.2, "u"));
      const nexts = [...asCompleted([t, u, t])];
      trace.push(`${nexts.length} awaitables`);
      for (const next of nexts) trace.push(stamp(await next));
      const v = createTask(sleeper(0.2, "v"));
      const w = createTask(sleeper(0.1, "w"));
      for await (const x of asCompleted([v, w, v, w])) {
        const f = asFuture<string>(x);
        trace.push(stamp(`${f === v ? "v" : f === w ? "w" : "?"}: ${f.result()}`));
      }
    });
    assert.deepEqual(trace, ["2 awaitables", "t@0.10", "u@0.20", "w: w@0.30", "v: v@0.40"]);
  });

  it("each awaitable of for…of settles as awaiting the Future would: a result, an exception, a cancel, once each", async () => {
    await runVirtual(async () => {
      const ok = new Future<string>();
      const bad = new Future<string>();
      const gone = new Future<string>();
      ok.setResult("ok");
      bad.setException(new Error("boom"));
      gone.cancel("gone");
      const it = asCompleted([ok, bad, gone])[Symbol.iterator]();
      const first = it.next().value!;
      await sleep(0); // Every completion is in: each next is done when awaited.
      assert.equal(await first, "ok");
      assert.equal(await first, "ok"); // Awaited again: the same result.
      await assert.rejects(async () => await it.next().value!, /boom/);
      await assert.rejects(
        async () => await it.next().value!,
        (err: unknown) => err instanceof Error && err.name === "CancelledError" && err.message === "gone",
      );
      assert.equal(it.next().done, true);
      await assert.rejects(createTask(first), /cannot reuse already awaited coroutine/);
    });
  });

  it("then() of a for…of awaitable gives a new Promise of what its callback returns, or throws", async () => {
    await runVirtual(async () => {
      const futs = ["a", "b", "c"].map((r) => {
        const f = new Future<string>();
        f.setResult(r);
        return f;
      });
      const [a, b, c] = [...asCompleted(futs)];
      await sleep(0);
      const inner = Promise.resolve("inner");
      const fromA = a!.then(() => inner);
      assert.ok(fromA instanceof Promise);
      assert.notEqual(fromA, inner);
      assert.equal(await fromA, "inner");
      await assert.rejects(
        b!.then(() => {
          throw new Error("from the callback");
        }),
        /from the callback/,
      );
      assert.equal(await c!.then((x) => `${x}!`), "c!");
    });
  });

  it("a for…of awaitable run as a Task takes the next result there", async () => {
    const results = await runVirtual(async () => {
      const nexts = [...asCompleted([sleeper(0.2, "slow"), sleeper(0.1, "fast")])];
      const tasks = nexts.map((next) => createTask(next));
      return [await tasks[0]!, await tasks[1]!, getRunningLoop().time()];
    });
    assert.deepEqual(results, ["fast", "slow", 0.2]);
  });

  it("throws TypeError for a single Task, Future, Coroutine or promise instead of an iterable of them", async () => {
    await runVirtual(async () => {
      const task = createTask(sleeper(0.1, 1));
      const fut = getRunningLoop().createFuture<number>();
      const coro = coroutine(async () => 1)();
      const promise = Promise.resolve(1);
      for (const single of [task, fut, coro, promise]) {
        assert.throws(
          () => asCompleted(single as never),
          (err: unknown) => {
            assert.ok(err instanceof TypeError);
            assert.match(err.message, /^asCompleted\(\) expects an iterable of awaitables/);
            assert.match(err.message, /asCompleted\(\[a, b\]\)/);
            return true;
          },
        );
      }
      assert.equal(await task, 1);
    });
  });
});

describe("asCompleted() (CPython's tests)", () => {
  // CPython 3.13 runs most of these tests twice, iterating as_completed()
  // with `for` (awaitables of the next result) and with `async for` (the
  // Tasks and Futures themselves, once done); so do these ports.
  const styles = ["for…of", "for await…of"] as const;

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed (CPython 3.13)
  // CPython's TestLoop needs advance_time() to jump to c's deadline; the
  // virtual clock jumps by itself.
  for (const style of styles) {
    it(`yields a and b (same deadline, either order) before c (${style})`, async () => {
      const completed = new Set<string>();
      const sleeperCoro = coroutine(async (dt: number, x: string) => {
        await sleep(dt);
        completed.add(x);
        return x;
      });
      const tryIterator = async (awaitables: Coroutine<string>[]): Promise<string[]> => {
        const values: string[] = [];
        for (const f of asCompleted(awaitables)) values.push(await f);
        return values;
      };
      const tryAsyncIterator = async (awaitables: Coroutine<string>[]): Promise<string[]> => {
        const values: string[] = [];
        for await (const f of asCompleted(awaitables)) values.push(await asFuture<string>(f));
        return values;
      };
      const foo = style === "for…of" ? tryIterator : tryAsyncIterator;
      let time = -1;
      const res = await runVirtual(async () => {
        const a = sleeperCoro(0.01, "a");
        const b = sleeperCoro(0.01, "b");
        const c = sleeperCoro(0.15, "c");
        const values = await createTask(() => foo([b, c, a]));
        time = getRunningLoop().time();
        return values;
      });
      assert.equal(time, 0.15);
      // a and b end at the same time; CPython starts them from a set, in any order.
      assert.deepEqual(res.slice(0, 2).sort(), ["a", "b"]);
      assert.equal(res[2], "c");
      assert.equal(res.length, 3);
    });
  }

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_same_tasks_in_as_out (CPython 3.13)
  it("for await…of yields the Tasks given as they are, and new Tasks for Coroutines", async () => {
    const tryAsyncIterator = async (
      awaitables: Iterable<Coroutine<unknown> | Task<unknown>>,
    ): Promise<Set<unknown>> => {
      const awaitablesOut = new Set<unknown>();
      for await (const outAw of asCompleted(awaitables)) awaitablesOut.add(outAw);
      return awaitablesOut;
    };
    const coro = coroutine(async (i: unknown) => i);
    await runVirtual(async () => {
      // Coroutines shouldn't be yielded back as finished coroutines can't be
      // re-used.
      let awaitablesIn = new Set<Coroutine<unknown> | Task<unknown>>([coro(0), coro(1), coro(2), coro(3)]);
      let awaitablesOut = await tryAsyncIterator(awaitablesIn);
      assert.deepEqual(
        [...awaitablesIn].filter((aw) => awaitablesOut.has(aw)),
        [],
        "Got original coroutines out of as_completed iterator.",
      );
      assert.equal(awaitablesOut.size, 4);

      // Tasks should be yielded back.
      const coroObjA = coro("a");
      const taskB = createTask(coro("b"));
      const coroObjC = coro("c");
      const taskD = createTask(coro("d"));
      awaitablesIn = new Set([coroObjA, taskB, coroObjC, taskD]);
      awaitablesOut = await tryAsyncIterator(awaitablesIn);
      assert.deepEqual(
        new Set([...awaitablesIn].filter((aw) => awaitablesOut.has(aw))),
        new Set([taskB, taskD]),
        "Only tasks should be yielded from as_completed iterator as-is.",
      );
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_with_timeout (CPython 3.13)
  // CPython's TestLoop moves the clock by 0.02 after the first result to
  // reach the timeout; the virtual clock gets there by itself.
  for (const style of styles) {
    it(`gives the result that came in time, then TimeoutError at the timeout (${style})`, async () => {
      let time = -1;
      const res = await runVirtual(async () => {
        const a = createTask(sleeper(0.1, "a"));
        const b = createTask(sleeper(0.15, "b"));
        const tryIterator = async (): Promise<[number, unknown][]> => {
          const values: [number, unknown][] = [];
          for (const f of asCompleted([a, b], { timeout: 0.12 })) {
            try {
              const v = await f;
              values.push([1, v]);
            } catch (exc) {
              if (!(exc instanceof TimeoutError)) throw exc;
              values.push([2, exc]);
            }
          }
          return values;
        };
        const tryAsyncIterator = async (): Promise<[number, unknown][]> => {
          const values: [number, unknown][] = [];
          try {
            for await (const f of asCompleted([a, b], { timeout: 0.12 })) {
              const v = await asFuture<string>(f);
              values.push([1, v]);
            }
          } catch (exc) {
            if (!(exc instanceof TimeoutError)) throw exc;
            values.push([2, exc]);
          }
          return values;
        };
        const values = await createTask(style === "for…of" ? tryIterator : tryAsyncIterator);
        time = getRunningLoop().time();
        // move forward to close generator
        await wait([a, b]);
        return values;
      });
      assert.equal(res.length, 2);
      assert.deepEqual(res[0], [1, "a"]);
      assert.equal(res[1]![0], 2);
      assert.ok(res[1]![1] instanceof TimeoutError);
      assert.equal(time, 0.12);
    });
  }

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_with_unused_timeout (CPython 3.13)
  for (const style of styles) {
    it(`a timeout that does not expire changes nothing (${style})`, async () => {
      const trace: string[] = [];
      await runVirtual(async () => {
        const a = coroutine(sleeper(0.01, "a"))();
        const tryIterator = async (): Promise<void> => {
          for (const f of asCompleted([a], { timeout: 1 })) {
            const v = await f;
            trace.push(stamp(v));
          }
        };
        const tryAsyncIterator = async (): Promise<void> => {
          for await (const f of asCompleted([a], { timeout: 1 })) {
            const v = await asFuture<string>(f);
            trace.push(stamp(v));
          }
        };
        await createTask(style === "for…of" ? tryIterator : tryAsyncIterator);
        // Past the unused timeout: nothing is thrown anywhere.
        await sleep(2);
        trace.push(stamp("done"));
      });
      assert.deepEqual(trace, ["a@0.01", "done@2.01"]);
    });
  }

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_resume_iterator (CPython 3.13)
  for (const style of styles) {
    it(`a loop left with break can be resumed on the same iterator (${style})`, async () => {
      const tryIterator = async (awaitables: Coroutine<number>[]): Promise<number[]> => {
        let iterations = 0;
        const iterator = asCompleted(awaitables);
        const collected: number[] = [];
        for (const f of iterator) {
          collected.push(await f);
          iterations += 1;
          if (iterations === 2) break;
        }
        assert.equal(collected.length, 2);
        // Resume same iterator:
        for (const f of iterator) collected.push(await f);
        return collected;
      };
      const tryAsyncIterator = async (awaitables: Coroutine<number>[]): Promise<number[]> => {
        let iterations = 0;
        const iterator = asCompleted(awaitables);
        const collected: number[] = [];
        for await (const f of iterator) {
          collected.push(await asFuture<number>(f));
          iterations += 1;
          if (iterations === 2) break;
        }
        assert.equal(collected.length, 2);
        // Resume same iterator:
        for await (const f of iterator) collected.push(await asFuture<number>(f));
        return collected;
      };
      const coro = coroutine(async (i: number) => i);
      const foo = style === "for…of" ? tryIterator : tryAsyncIterator;
      const results = await runVirtual(() => foo([coro(0), coro(1), coro(2), coro(3)]));
      assert.deepEqual([...results].sort(), [0, 1, 2, 3]);
    });
  }

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_reverse_wait (CPython 3.13)
  it("the awaitable awaited first gets the first result, whichever it is in the list", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const a = coroutine(sleeper(0.05, "a"))();
      const b = coroutine(sleeper(0.1, "b"))();
      const fs = new Set([a, b]);
      const futs = [...asCompleted(fs)];
      assert.equal(futs.length, 2);
      const x = await futs[1]!;
      assert.equal(x, "a");
      assert.equal(loop.time(), 0.05);
      const y = await futs[0]!;
      assert.equal(y, "b");
      assert.equal(loop.time(), 0.1);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_concurrent (CPython 3.13)
  for (const style of styles) {
    it(`its awaitables can be awaited concurrently, as Tasks (${style})`, async () => {
      const tryIterator = async (fs: Set<Coroutine<string>>): Promise<unknown[]> => [...asCompleted(fs)];
      const tryAsyncIterator = async (fs: Set<Coroutine<string>>): Promise<unknown[]> => {
        const out: unknown[] = [];
        for await (const f of asCompleted(fs)) out.push(f);
        return out;
      };
      const runner = style === "for…of" ? tryIterator : tryAsyncIterator;
      await runVirtual(async () => {
        const a = coroutine(sleeper(0.05, "a"))();
        const b = coroutine(sleeper(0.05, "b"))();
        const fs = new Set([a, b]);
        const futs = (await runner(fs)) as (Coroutine<string> | Future<string>)[];
        assert.equal(futs.length, 2);
        const [done, pending] = await wait(futs.map((fut) => ensureFuture(fut)));
        assert.deepEqual(new Set([...done].map((f) => f.result())), new Set(["a", "b"]));
        assert.equal(pending.size, 0);
        assert.equal(getRunningLoop().time(), 0.05);
      });
    });
  }

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_duplicate_coroutines (CPython 3.13)
  for (const style of styles) {
    it(`a Coroutine given twice runs once (${style})`, async () => {
      const coro = coroutine(async (s: string) => s);
      const tryIterator = async (): Promise<string[]> => {
        const result: string[] = [];
        const c = coro("ham");
        for (const f of asCompleted([c, c, coro("spam")])) result.push(await f);
        return result;
      };
      const tryAsyncIterator = async (): Promise<string[]> => {
        const result: string[] = [];
        const c = coro("ham");
        for await (const f of asCompleted([c, c, coro("spam")])) result.push(await asFuture<string>(f));
        return result;
      };
      const result = await runVirtual(async () => {
        const fut = createTask(style === "for…of" ? tryIterator : tryAsyncIterator);
        await fut;
        return fut.result();
      });
      assert.deepEqual(new Set(result), new Set(["ham", "spam"]));
      assert.equal(result.length, 2);
    });
  }

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_coroutine_without_loop (CPython 3.13)
  // As in CPython 3.13, asCompleted() itself throws, before any iteration.
  it("outside a running loop, throws RuntimeError", () => {
    const a = coroutine(async () => 42)();
    assert.throws(
      () => asCompleted([a]),
      (err: unknown) => {
        assert.ok(err instanceof RuntimeError);
        assert.match(err.message, /no running event loop/);
        return true;
      },
    );
  });

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_coroutine_use_running_loop (CPython 3.13)
  it("uses the running loop for Coroutines", async () => {
    await runVirtual(async () => {
      const coro = coroutine(async () => 42);
      const futs = [...asCompleted([coro()])];
      assert.equal(futs.length, 1);
      assert.ok(futs[0] instanceof Coroutine);
      assert.equal(await futs[0]!, 42);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_as_completed_invalid_args (CPython 3.13)
  // CPython 3.13 accepts a TypeError from as_completed() or from the first
  // iteration; asCompleted() throws it at once.
  it("throws TypeError for a Future or a Coroutine instead of a list of them, with either kind of loop", async () => {
    await runVirtual(async () => {
      // Plain iterator
      const fut = new Future<number>();
      assert.throws(
        () =>
          asCompleted(fut as never)
            [Symbol.iterator]()
            .next(),
        TypeError,
      );
      const coro = coroutine(async () => 1)();
      assert.throws(
        () =>
          asCompleted(coro as never)
            [Symbol.iterator]()
            .next(),
        TypeError,
      );

      // Async iterator
      const tryAsyncIterator = async (aw: unknown): Promise<void> => {
        for await (const f of asCompleted(aw as never)) {
          void f;
          break;
        }
      };
      const fut2 = new Future<number>();
      await assert.rejects(async () => {
        await createTask(() => tryAsyncIterator(fut2));
      }, TypeError);
      const coro2 = coroutine(async () => 1)();
      await assert.rejects(async () => {
        await createTask(() => tryAsyncIterator(coro2));
      }, TypeError);
    });
  });
});
