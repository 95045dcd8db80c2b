"""A producer/consumer pipeline: a bounded Queue between a producer and two
workers; the producer shuts the queue down when it is done, and the workers
stop once it is empty (Queue.shutdown, CPython 3.13)."""
import asyncio


async def producer(queue):
    for item in range(1, 7):
        await queue.put(item)
        print(f'produced {item}')
    queue.shutdown()
    print('producer: no more items')


async def worker(name, queue, results):
    while True:
        try:
            item = await queue.get()
        except asyncio.QueueShutDown:
            break
        await asyncio.sleep(0)  # the work: one loop turn
        results.append(item * item)
        print(f'{name}: {item} -> {item * item}')
        queue.task_done()
    print(f'{name}: done')


async def main():
    queue = asyncio.Queue(maxsize=2)
    results = []
    await asyncio.gather(
        producer(queue),
        worker('w1', queue, results),
        worker('w2', queue, results),
    )
    print(f'results: {results}')


asyncio.run(main())
