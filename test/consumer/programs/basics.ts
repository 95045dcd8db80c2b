// Everyday use of the package compiles, with the types a reader expects;
// the common mistakes are type errors.
import {
  CancelledError,
  Future,
  Task,
  TimeoutError,
  asCompleted,
  coroutine,
  createTask,
  currentTask,
  gather,
  isCancelled,
  run,
  shield,
  sleep,
  timeout,
  toThread,
  waitFor,
} from "asyncio-ts";
import { type Equal, expectType } from "./expect.js";

async function fetchLength(url: string): Promise<number> {
  await sleep(0.1);
  return url.length;
}

export const main = run(async () => {
  const task = createTask(() => fetchLength("a"), { name: "fetch" });
  expectType<Equal<typeof task, Task<number>>>(true);
  const name: string = task.getName();
  const signal: AbortSignal = task.signal;

  const [n, s] = await gather(task, async () => "s");
  expectType<Equal<[typeof n, typeof s], [number, string]>>(true);
  const waited = await waitFor(() => fetchLength("b"), 1);
  expectType<Equal<typeof waited, number>>(true);
  const timed = await timeout(0.5, async (t) => t.when() ?? 0);
  expectType<Equal<typeof timed, number>>(true);
  const shielded = await shield(task);
  expectType<Equal<typeof shielded, number>>(true);
  const twice = coroutine(async (x: number) => x * 2);
  expectType<Equal<Awaited<ReturnType<typeof twice>>, number>>(true);

  for (const next of asCompleted([task, async () => "s"])) {
    const v = await next;
    expectType<Equal<typeof v, number | string>>(true);
  }
  for await (const done of asCompleted([task])) {
    const v = done.result();
    expectType<Equal<typeof v, number>>(true);
  }

  const fut = new Future<string>();
  fut.addDoneCallback((f) => f.result().toUpperCase());
  const thread = await toThread((a: number, b: number) => a + b, 1, 2);
  expectType<Equal<typeof thread, number>>(true);

  try {
    await sleep(1);
  } catch (err) {
    if (isCancelled(err)) throw err;
    if (err instanceof TimeoutError) {
      const code: string = err.code;
      void code;
    }
  }
  const error = new TimeoutError("took too long", { cause: new CancelledError() });
  const current: Task<unknown> | undefined = currentTask();

  // @ts-expect-error TS2345 run() takes the function, not its running promise
  await run(fetchLength("a"));
  // @ts-expect-error TS2345 createTask() refuses a running promise too
  createTask(fetchLength("a"));
  // @ts-expect-error TS2345 durations are numbers of seconds
  await sleep("1");
  // @ts-expect-error TS2322 gather() keeps each result's type
  const [wrong]: [string] = await gather(task);
  // @ts-expect-error TS2345 a Future<string> takes strings
  fut.setResult(1);

  return `${name} ${signal.aborted} ${error.message} ${current} ${wrong}`;
});
expectType<Equal<typeof main, Promise<string>>>(true);
