/**
 * A producer/consumer pipeline: a bounded Queue between a producer and two
 * workers. The producer shuts the queue down when it is done; each worker's
 * `for await` over the queue ends once it is shut down and empty.
 *
 * Python's twin (examples/python/pipeline.py, CPython 3.13 for
 * Queue.shutdown) loops on `await queue.get()` until QueueShutDown; the
 * lines come in the same order, the work being one loop turn each.
 */
import { Queue, gather, run, sleep } from "asyncio-ts";

async function producer(queue: Queue<number>): Promise<void> {
  for (let item = 1; item <= 6; item++) {
    await queue.put(item);
    console.log(`produced ${item}`);
  }
  queue.shutdown();
  console.log("producer: no more items");
}

async function worker(name: string, queue: Queue<number>, results: number[]): Promise<void> {
  for await (const item of queue) {
    await sleep(0); // the work: one loop turn
    results.push(item * item);
    console.log(`${name}: ${item} -> ${item * item}`);
    queue.taskDone();
  }
  console.log(`${name}: done`);
}

async function main(): Promise<void> {
  const queue = new Queue<number>({ maxsize: 2 });
  const results: number[] = [];
  await gather(
    () => producer(queue),
    () => worker("w1", queue, results),
    () => worker("w2", queue, results),
  );
  console.log(`results: [${results.join(", ")}]`);
}

await run(main);
