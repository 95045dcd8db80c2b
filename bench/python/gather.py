"""Baseline for bench/gather.bench.ts: asyncio.gather of N tasks that each
await asyncio.sleep(0) once. Prints one JSON line: the median microseconds
per task over REPEATS timed runs (after WARMUP untimed ones), each run its
own asyncio.run().

Usage: python3 bench/python/gather.py [N] [WARMUP] [REPEATS]
"""

import asyncio
import sys
import time

from runs import report_runs

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
WARMUP = int(sys.argv[2]) if len(sys.argv) > 2 else 2
REPEATS = int(sys.argv[3]) if len(sys.argv) > 3 else 5


async def tick():
    await asyncio.sleep(0)


async def main():
    start = time.perf_counter()
    await asyncio.gather(*(tick() for _ in range(N)))
    return (time.perf_counter() - start) * 1e6 / N


report_runs(main, WARMUP, REPEATS)
