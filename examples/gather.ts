/**
 * Run Concurrently: gather() runs a, b and c as Tasks at the same time; the
 * result lists their values in argument order, whatever order they finish in.
 *
 * The seed's "Run Concurrently" (examples/python/gather.py).
 */
import { gather, run, sleep } from "asyncio-ts";

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

/** Formats a string array as Python prints a list: ['a', 'b', 'c']. */
const pyList = (items: readonly string[]): string => `[${items.map((s) => `'${s}'`).join(", ")}]`;

async function main(): Promise<void> {
  // Pass the functions, not their promises: gather makes each one a Task,
  // which it can cancel. gather(a(), b(), c()) prints the same, but those
  // promises are already running, so gather can stop waiting for them, not
  // stop them.
  const result = await gather(a, b, c);
  console.log(`Result: ${pyList(result)}`);
}

await run(main);
