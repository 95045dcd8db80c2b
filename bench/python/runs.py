"""Shared by the CPython baselines: time a program over several asyncio.run()
calls, and print the result as the one JSON line the bench harness reads."""

import asyncio
import gc
import json
import platform
import statistics


def median_runs(main, warmup, repeats):
    """Runs asyncio.run(main()) WARMUP untimed times, then REPEATS times; main()
    returns its microseconds per operation. Returns the median and every run."""
    runs = []
    for i in range(warmup + repeats):
        gc.collect()
        us = asyncio.run(main())
        if i >= warmup:
            runs.append(float(f"{us:.4g}"))
    return float(f"{statistics.median(runs):.4g}"), runs


def report(**parts):
    """Prints the Python version and the given parts as one JSON line."""
    print(json.dumps({"python": platform.python_version(), **parts}))


def report_runs(main, warmup, repeats):
    """The usual one-part baseline: us_per_op and runs of main()."""
    us, runs = median_runs(main, warmup, repeats)
    report(us_per_op=us, runs=runs)
