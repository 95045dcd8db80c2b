/**
 * The benchmarks' harness: warm-up runs, timed repeats (the median is what
 * counts), the machine's facts, and one JSON line per result on stdout,
 * which scripts/bench.js collects into bench/results/latest.jsonl.
 *
 * Environment: BENCH_WARMUP (default 2) and BENCH_REPEATS (default 5).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";

/** How many untimed runs come first, and how many timed runs follow. */
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
export const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

/** What a result's `ratio` compares: asyncio-ts's value / the baseline's. */
export type Metric = "us_per_op" | "median_ms" | "overhead_ms" | "bytes_per_op";

/** One variant's measurement; `metric` names the field that holds its value. */
export interface Sample {
  variant: string;
  /** The median of `runs`, in the bench's metric. */
  value: number | null;
  /** Every timed run, in the bench's metric. */
  runs?: number[];
  /** Why the variant could not be measured (a baseline that is not installed). */
  error?: string;
  [extra: string]: unknown;
}

/** The machine, as os reports it, plus the load when the bench started. */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    os: `${os.platform()} ${os.release()}`,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    load_1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Rounds for printing: 4 significant digits. */
export function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** Collects garbage between runs when node runs with --expose-gc. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Runs `fn` WARMUP times untimed, then REPEATS times (a slow baseline may
 * ask for fewer); each run's sample is what `fn` returns if it returns a
 * number (a bench that times only part of itself), else its wall time in ms,
 * passed through `toValue`. Returns the median and every run.
 */
export async function measure(
  variant: string,
  fn: () => unknown,
  toValue: (ms: number) => number = (ms) => ms,
  { warmup = WARMUP, repeats = REPEATS } = {},
): Promise<Sample> {
  try {
    const runs: number[] = [];
    for (let i = 0; i < warmup + repeats; i++) {
      collectGarbage();
      const t0 = performance.now();
      const own = await fn();
      const ms = typeof own === "number" ? own : performance.now() - t0;
      if (i >= warmup) runs.push(round(toValue(ms)));
    }
    return { variant, value: round(median(runs)), runs, warmup };
  } catch (err) {
    return { variant, value: null, error: String(err instanceof Error ? err.stack : err) };
  }
}

/** Microseconds per operation, from a run's milliseconds. */
export const perOp = (n: number) => (ms: number) => (ms * 1000) / n;

/**
 * Prints one JSON line per sample: asyncio-ts's own (`baseline: false`),
 * then each baseline's with `ratio` = asyncio-ts / baseline (below 1:
 * asyncio-ts is faster or smaller).
 */
export function emit(bench: string, metric: Metric, subject: Sample, baselines: Sample[], params: object = {}): void {
  const common = { bench, node: process.version, machine: machine(), date: new Date().toISOString(), metric, params };
  const line = (sample: Sample, baseline: boolean, ratio: number | null): void => {
    const { value, ...rest } = sample;
    console.log(JSON.stringify({ ...common, ...rest, [metric]: value, baseline, ratio }));
  };
  line(subject, false, null);
  for (const b of baselines) {
    const ratio = subject.value !== null && b.value ? round(subject.value / b.value) : null;
    line(b, true, ratio);
  }
}

/** A seeded random generator (mulberry32): the same delays for every variant. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A variant for {@link measureInterleaved}: `fn` is one run, as for {@link measure}. */
export interface Contender {
  variant: string;
  fn: () => unknown;
  /** Set when the variant could not start (its pool failed to open): it is reported, not run. */
  error?: string;
}

/**
 * Like {@link measure} for several variants at once, run in alternation:
 * each round runs every variant once (each round starting one variant
 * later), so that a slow spell of a busy machine falls on all of them
 * rather than on whichever ran then. A variant that throws is dropped from
 * later rounds and reported with its error.
 */
export async function measureInterleaved(
  contenders: readonly Contender[],
  toValue: (ms: number) => number = (ms) => ms,
  { warmup = WARMUP, repeats = REPEATS } = {},
): Promise<Sample[]> {
  const runs = contenders.map((): number[] => []);
  const errors = contenders.map((c) => c.error);
  const k = contenders.length;
  for (let i = 0; i < warmup + repeats; i++) {
    for (let j = 0; j < k; j++) {
      const c = (i + j) % k;
      if (errors[c] !== undefined) continue;
      collectGarbage();
      try {
        const t0 = performance.now();
        const own = await contenders[c]!.fn();
        const ms = typeof own === "number" ? own : performance.now() - t0;
        if (i >= warmup) runs[c]!.push(round(toValue(ms)));
      } catch (err) {
        errors[c] = String(err instanceof Error ? err.stack : err);
      }
    }
  }
  return contenders.map(({ variant }, c): Sample => {
    const error = errors[c];
    if (error !== undefined) return { variant, value: null, error };
    return { variant, value: round(median(runs[c]!)), runs: runs[c]!, warmup, interleaved: true };
  });
}

/**
 * How many cores other work leaves free: the idle share of the machine's
 * CPU time over one second in which this process waits, times the cores
 * (Linux's /proc/stat). Below the core count, another process takes CPU
 * time and the speedup cannot reach the core count. null off Linux.
 */
export async function freeCores(): Promise<number | null> {
  const sample = (): { idle: number; total: number } | null => {
    try {
      const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal (guest time is inside user)
      const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
      return { idle: fields[3]! + fields[4]!, total };
    } catch {
      return null;
    }
  };
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = sample();
  if (before === null || after === null || after.total === before.total) return null;
  return round(((after.idle - before.idle) / (after.total - before.total)) * os.cpus().length);
}

/**
 * The CPython versions the CPython baselines run under, as pyenv's
 * PYENV_VERSION names them (a prefix such as "3.11" picks the newest
 * installed 3.11).
 */
export const PYTHONS = ["3.11", "3.13.0"] as const;

/**
 * Runs `python3 script ...args` under PYENV_VERSION=`version` and parses the
 * one JSON line it prints, which carries the version it ran on (`python`).
 * Returns the reason instead when the run fails or ran on another version:
 * where pyenv lacks `version`, or is not installed, python3 is the system's,
 * so the version it reports is checked.
 */
export function runPython<T extends { python: string }>(
  version: string,
  script: string,
  args: readonly (string | number)[],
): { ok: true; result: T } | { ok: false; error: string } {
  const out = spawnSync("python3", [script, ...args.map(String)], {
    encoding: "utf8",
    env: { ...process.env, PYENV_VERSION: version },
  });
  if (out.status !== 0) return { ok: false, error: out.stderr || String(out.error ?? `exit ${out.status}`) };
  try {
    const result = JSON.parse(out.stdout) as T;
    if (result.python !== version && !result.python.startsWith(`${version}.`))
      return {
        ok: false,
        error: `python3 with PYENV_VERSION=${version} is Python ${result.python}: no pyenv, or pyenv has no ${version}`,
      };
    return { ok: true, result };
  } catch (err) {
    return { ok: false, error: `${String(err)}; python3 printed: ${out.stdout.slice(0, 200)}` };
  }
}
