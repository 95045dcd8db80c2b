// wait() gives back what it was given, typed as it was: Tasks stay Tasks.
import { FIRST_COMPLETED, Future, Task, createTask, sleep, wait } from "asyncio-ts";
import { type Equal, expectType } from "./expect.js";

export async function main(): Promise<string[]> {
  const tasks = [createTask(async () => 1), createTask(async () => 2)];
  const [done, pending] = await wait(tasks, { returnWhen: FIRST_COMPLETED, timeout: 1 });
  expectType<Equal<typeof done, Set<Task<number>>>>(true);
  expectType<Equal<typeof pending, Set<Task<number>>>>(true);
  const names = [...done].map((t) => t.getName());

  // A mix: the union of what was passed.
  const mixed = await wait([createTask(async () => "s"), sleep(0.1, 1n)]);
  expectType<Equal<typeof mixed, [Set<Task<string> | Future<bigint>>, Set<Task<string> | Future<bigint>>]>>(true);

  const futures = await wait([new Future<number>()]);
  // @ts-expect-error TS2339 a Future has no name: only a Task has
  futures[0].forEach((f) => f.getName());
  // @ts-expect-error TS2345 wait() takes Tasks and Futures, not functions
  await wait([async () => 1]);
  return names;
}
