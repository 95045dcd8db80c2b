/**
 * Run Coroutine: run() is the main entry point; it makes a new event loop,
 * runs `main` as the main task, and closes the loop at the end.
 *
 * The seed's "Run Coroutine" (examples/python/run.py).
 */
import { run } from "asyncio-ts";

async function hello(): Promise<void> {
  console.log("hello");
}

await run(hello);
