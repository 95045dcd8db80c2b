/**
 * Run as Completed: asCompleted() runs a, b and c concurrently; each awaitable
 * it yields gives the earliest next result.
 *
 * The seed's "Run as Completed" (examples/python/as_completed.py).
 */
import { asCompleted, run, sleep } from "asyncio-ts";

async function a(): Promise<string> {
  console.log("a: started");
  await sleep(0.2);
  console.log("a: finished");
  return "a";
}

async function b(): Promise<string> {
  console.log("b: started");
  await sleep(0.1);
  console.log("b: finished");
  return "b";
}

async function c(): Promise<string> {
  console.log("c: started");
  await sleep(0.3);
  console.log("c: finished");
  return "c";
}

async function main(): Promise<void> {
  const todo = [a, b, c]; // functions, not a(), b(), c(): asCompleted makes them Tasks
  for (const next of asCompleted(todo)) {
    const result = await next;
    console.log(result);
  }
}

await run(main);
