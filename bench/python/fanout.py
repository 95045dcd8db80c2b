"""Baseline for bench/fanout.bench.ts: N items, at most LIMIT at once, each
awaiting asyncio.sleep(0) once, bounded the usual asyncio way: an
asyncio.Semaphore around gather. Prints one JSON line: the median
microseconds per item over REPEATS timed runs (after WARMUP untimed ones),
each run its own asyncio.run().

Usage: python3 bench/python/fanout.py [N] [LIMIT] [WARMUP] [REPEATS]
"""

import asyncio
import sys
import time

from runs import report_runs

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
LIMIT = int(sys.argv[2]) if len(sys.argv) > 2 else 100
WARMUP = int(sys.argv[3]) if len(sys.argv) > 3 else 2
REPEATS = int(sys.argv[4]) if len(sys.argv) > 4 else 5


async def item(semaphore, i):
    async with semaphore:
        await asyncio.sleep(0)
        return i


async def main():
    start = time.perf_counter()
    semaphore = asyncio.Semaphore(LIMIT)
    results = await asyncio.gather(*(item(semaphore, i) for i in range(N)))
    assert results[-1] == N - 1
    return (time.perf_counter() - start) * 1e6 / N


report_runs(main, WARMUP, REPEATS)
