/**
 * A TaskGroup that fails fast: b fails, so the group cancels c (and would
 * cancel the body, were it still waiting) and throws an ExceptionGroup of
 * the failures once every task is done.
 *
 * Python's twin (examples/python/taskgroup.py) uses `async with
 * asyncio.TaskGroup() as tg:` and `except* Broken`; here the group is a
 * callback, and `except*` is `split()`.
 */
import { CancelledError, ExceptionGroup, run, sleep, taskGroup } from "asyncio-ts";

class Broken extends Error {
  override name = "Broken";
}

async function fetch(name: string, delay: number, fail = false): Promise<string> {
  console.log(`${name}: started`);
  try {
    await sleep(delay);
  } catch (err) {
    if (err instanceof CancelledError) console.log(`${name}: cancelled`);
    throw err;
  }
  if (fail) {
    console.log(`${name}: failed`);
    throw new Broken(`${name} is broken`);
  }
  console.log(`${name}: finished`);
  return name;
}

async function main(): Promise<void> {
  try {
    await taskGroup((tg) => {
      tg.createTask(() => fetch("a", 0.1));
      tg.createTask(() => fetch("b", 0.2, true));
      tg.createTask(() => fetch("c", 0.3));
    });
  } catch (err) {
    if (!(err instanceof ExceptionGroup)) throw err;
    // except* Broken: the matching part here, anything else re-thrown.
    const [errors, rest] = err.split(Broken);
    if (rest !== undefined) throw rest;
    console.log(String(errors));
    for (const e of errors!.exceptions) console.log(`caught: ${(e as Error).message}`);
  }
}

await run(main);
