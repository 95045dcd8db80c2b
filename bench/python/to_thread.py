"""Baseline for bench/to-thread.bench.ts: CALLS calls of a pure-Python CPU-bound
function calibrated to about SECONDS each, run with asyncio.gather of
asyncio.to_thread (the default executor's threads) and one after another on
the main thread. Pure Python holds the GIL, so the threads take turns and the
speedup stays about 1x. Prints one JSON line: the medians in ms over REPEATS
timed runs (after WARMUP untimed ones).

Usage: python3 bench/python/to_thread.py [CALLS] [SECONDS] [WARMUP] [REPEATS]
"""

import asyncio
import json
import os
import platform
import statistics
import sys
import time

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
WARMUP = int(sys.argv[3]) if len(sys.argv) > 3 else 1
REPEATS = int(sys.argv[4]) if len(sys.argv) > 4 else 5


def spin(n):
    """Pure CPU work: the same arithmetic as spin() in the TypeScript bench."""
    x = 0
    for i in range(n):
        x = (x + i * i) % 1_000_003
    return x


def calibrate():
    n = 100_000
    for _ in range(3):
        start = time.perf_counter()
        spin(n)
        seconds = time.perf_counter() - start
        n = round(n * SECONDS / max(seconds, 1e-3))
    start = time.perf_counter()
    spin(n)
    return n, (time.perf_counter() - start) * 1000


def sequential(n):
    start = time.perf_counter()
    for _ in range(CALLS):
        spin(n)
    return (time.perf_counter() - start) * 1000


async def threaded(n):
    # Starts the default executor's threads first.
    await asyncio.gather(*(asyncio.to_thread(spin, 1000) for _ in range(CALLS)))
    start = time.perf_counter()
    await asyncio.gather(*(asyncio.to_thread(spin, n) for _ in range(CALLS)))
    return (time.perf_counter() - start) * 1000


n, call_ms = calibrate()
seq_runs, thread_runs = [], []
for i in range(WARMUP + REPEATS):
    seq = sequential(n)
    thr = asyncio.run(threaded(n))
    if i >= WARMUP:
        seq_runs.append(float(f"{seq:.4g}"))
        thread_runs.append(float(f"{thr:.4g}"))

print(json.dumps({
    "python": platform.python_version(),
    "n": n,
    "call_ms": float(f"{call_ms:.4g}"),
    # asyncio's default executor: ThreadPoolExecutor() with min(32, cpus + 4) workers.
    "threads": min(32, (os.cpu_count() or 1) + 4),
    "sequential_ms": float(f"{statistics.median(seq_runs):.4g}"),
    "sequential_runs": seq_runs,
    "threads_ms": float(f"{statistics.median(thread_runs):.4g}"),
    "threads_runs": thread_runs,
}))
