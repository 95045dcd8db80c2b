/**
 * Run in Threads: toThread() runs a blocking function in a worker thread, so
 * the event loop goes on meanwhile: the 2-second work and the 1-second sleep
 * overlap, and main finishes after about 2 seconds, not 3.
 *
 * The seed's "Run in Threads" (examples/python/to_thread.py). work() runs in
 * a worker thread, which shares no variables with this module: it is
 * self-contained, and what it prints reaches this terminal in order.
 */
import { gather, run, sleep, toThread } from "asyncio-ts";

/** time.strftime("%X"): the local time as HH:MM:SS. */
const now = (): string => new Date().toTimeString().slice(0, 8);

function work(): void {
  // Self-contained: a worker thread gets this function's source only.
  const now = (): string => new Date().toTimeString().slice(0, 8);
  console.log(`Work started ${now()}`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000); // Blocking, as time.sleep(2)
  console.log(`Work done at ${now()}`);
}

async function main(): Promise<void> {
  console.log(`Started main at ${now()}`);
  await gather(toThread(work), sleep(1));
  console.log(`Finished main at ${now()}`);
}

await run(main);
