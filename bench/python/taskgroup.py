"""Baseline for bench/fanout.bench.ts (taskgroup): an asyncio.TaskGroup of N
tasks that each await asyncio.sleep(0) once. Prints one JSON line: the
median microseconds per task over REPEATS timed runs (after WARMUP untimed
ones), each run its own asyncio.run(). LIMIT is accepted and unused.

Usage: python3 bench/python/taskgroup.py [N] [LIMIT] [WARMUP] [REPEATS]
"""

import asyncio
import sys
import time

from runs import report_runs

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
WARMUP = int(sys.argv[3]) if len(sys.argv) > 3 else 2
REPEATS = int(sys.argv[4]) if len(sys.argv) > 4 else 5


async def tick(i):
    await asyncio.sleep(0)
    return i


async def main():
    start = time.perf_counter()
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(tick(i)) for i in range(N)]
    assert tasks[-1].result() == N - 1
    return (time.perf_counter() - start) * 1e6 / N


report_runs(main, WARMUP, REPEATS)
