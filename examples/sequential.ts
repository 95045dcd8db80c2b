/**
 * Run Sequentially: each await finishes before the next starts.
 *
 * The seed's "Run Sequentially" (examples/python/sequential.py).
 */
import { run } from "asyncio-ts";

async function hello(): Promise<void> {
  console.log("hello");
}

async function main(): Promise<void> {
  await hello();
  await hello();
  await hello();
}

await run(main);
