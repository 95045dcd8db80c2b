"""Baselines for bench/sync.bench.ts: asyncio.Lock and asyncio.Queue, the same
programs as the bench's asyncio-ts variants. Prints one JSON line: for each
part, the median microseconds per operation over REPEATS timed runs (after
WARMUP untimed ones), each run its own asyncio.run().

Usage: python3 bench/python/sync.py [N] [WARMUP] [REPEATS]
"""

import asyncio
import sys
import time

from runs import median_runs, report

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
WARMUP = int(sys.argv[2]) if len(sys.argv) > 2 else 2
REPEATS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
TASKS = 100
CONSUMERS = 4
MAXSIZE = 100


async def lock_uncontended():
    lock = asyncio.Lock()
    start = time.perf_counter()
    for _ in range(N):
        await lock.acquire()
        lock.release()
    return time.perf_counter() - start


async def lock_contended():
    lock = asyncio.Lock()

    async def worker():
        for _ in range(N // TASKS):
            await lock.acquire()
            await asyncio.sleep(0)
            lock.release()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(TASKS)))
    return time.perf_counter() - start


async def queue(consumers):
    q = asyncio.Queue(MAXSIZE)
    total = 0

    async def producer():
        for i in range(N):
            await q.put(i)
        for _ in range(consumers):
            await q.put(None)

    async def consumer():
        nonlocal total
        while (item := await q.get()) is not None:
            total += 1

    start = time.perf_counter()
    await asyncio.gather(producer(), *(consumer() for _ in range(consumers)))
    assert total == N
    return time.perf_counter() - start


PARTS = {
    "lock": lock_uncontended,
    "lock-contended": lock_contended,
    "queue": lambda: queue(1),
    "queue-multi": lambda: queue(CONSUMERS),
}

out = {}
for name, part in PARTS.items():
    async def timed(part=part):
        return await part() * 1e6 / N
    us, runs = median_runs(timed, WARMUP, REPEATS)
    out[name] = {"us_per_op": us, "runs": runs}
report(**out)
