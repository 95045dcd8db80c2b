#!/usr/bin/env node
// Runs the compiled benchmarks (build/bench/*.bench.js), each in its own
// process, on the machine's Node and on the pinned Node 24 (scripts/node24.js:
// installed on first use where npm has it, skipped where not); collects their
// JSON lines into bench/results/latest.jsonl and regenerates docs/benchmarks.md
// from them.
//
//   npm run bench               every benchmark
//   npm run bench -- gather     only files whose name contains "gather"
//   node scripts/bench.js --report   only rewrite docs/benchmarks.md
//
// A filtered run replaces only its benchmarks' lines in latest.jsonl.
// BENCH_WARMUP and BENCH_REPEATS (default 2 and 5) reach bench/harness.ts.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findNode24, machineNode, nodeVersion } from "./node24.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const filter = process.argv.slice(2);
const benchDir = join(root, "build", "bench");
const resultsFile = join(root, "bench", "results", "latest.jsonl");
const docFile = join(root, "docs", "benchmarks.md");
// Hand-written: why a target is missed, and what the figures mean.
const analysisFile = join(root, "bench", "analysis.md");

// Node flags per bench file; --expose-gc lets the harness collect garbage
// between runs, and memory.bench needs it to measure at all.
const flags = {
  "gather.bench.js": ["--expose-gc"],
  "gather-eager.bench.js": ["--expose-gc"],
  "sleep.bench.js": ["--expose-gc"],
  "as-completed.bench.js": ["--expose-gc"],
  "memory.bench.js": ["--expose-gc"],
  "to-thread.bench.js": ["--expose-gc"],
  "cpu-burst.bench.js": ["--expose-gc"],
  "fanout.bench.js": ["--expose-gc"],
  "sync.bench.js": ["--expose-gc"],
  "trace.bench.js": ["--expose-gc"],
};

// ---- docs/benchmarks.md ------------------------------------------------------

// What one operation is, where it is not a task.
const ops = {
  "to-thread-latency": "call",
  "to-thread-throughput": "call",
  fanout: "item",
  lock: "acquire",
  "lock-contended": "acquire",
  queue: "item",
  "queue-multi": "item",
};

function unit(metric, bench) {
  const op = ops[bench] ?? "task";
  return (
    { us_per_op: `µs/${op}`, median_ms: "ms", overhead_ms: "ms overhead", bytes_per_op: `bytes/${op}` }[metric] ??
    metric
  );
}

const titles = {
  gather: "gather() of 100,000 tasks that each await sleep(0)",
  "gather-eager": "gather() of 100,000 tasks that return at once: eager tasks, lazy tasks, raw Promise.all",
  sleep: "100,000 concurrent sleeps of 0-50 ms: time beyond the longest",
  "sleep-tasks": "100,000 tasks that each sleep 0-50 ms: time beyond the longest",
  "as-completed": "asCompleted() over 10,000 tasks that sleep 0-10 ms",
  "as-completed-sleep0": "asCompleted() over 10,000 tasks that sleep(0)",
  memory: "Heap per pending task: 100,000 tasks each awaiting a never-resolved Future",
  "to-thread-latency": "Round trip of a trivial function to a worker thread, one call at a time",
  "to-thread-throughput": "20,000 calls of a trivial function in flight at once",
  "to-thread-cpu": "CPU-bound speedup: 8 calls of a ~0.2 s pure function on the pool vs the main thread",
  "cpu-burst-small": "A burst of 8 calls of fib(30) on a cold and a warm pool vs the main thread",
  "cpu-burst-large": "A burst of 8 calls of fib(35) on a cold and a warm pool vs the main thread",
  "cpu-burst-blocking": "As many 200 ms blocking calls (Atomics.wait) as the pool has workers, cold and warm",
  fanout: "Bounded fan-out: 100,000 items, at most 100 at once, each awaiting one loop turn",
  trace: "gather() of 20,000 tasks that each await sleep(0), with run(main, { trace }) and without",
  taskgroup: "A TaskGroup of 100,000 tasks that each await sleep(0), against gather() of the same",
  lock: "Lock: 100,000 acquire/release pairs in one task, no contention",
  "lock-contended": "Lock: 100 tasks take it 1,000 times each, holding it over one loop turn",
  queue: "Queue(maxsize 100): one producer puts 100,000 items, one consumer gets them",
  "queue-multi": "Queue(maxsize 100): one producer, 4 consumers, 100,000 items",
};

const notes = {
  lock:
    "Raw: the smallest promise mutex (a flag and a FIFO of resolvers; acquire returns a resolved promise when " +
    "free). CPython runs bench/python/sync.py, under 3.11 and 3.13, the same program with asyncio.Lock.",
  "lock-contended": "As above; the raw version holds the mutex over one setImmediate.",
  queue:
    "Raw: the smallest bounded promise queue (an array and two FIFOs of resolvers). The producer ends with one " +
    "null per consumer. CPython: asyncio.Queue in bench/python/sync.py.",
  "queue-multi": "As above, with 4 consumers.",
  fanout:
    "asyncio-ts: map(items, fn, { limit: 100 }), each call a Task awaiting sleep(0). Raw promises: 100 async " +
    "workers that pull the next index and await one setImmediate; p-map with { concurrency: 100 } and p-limit(100) " +
    "around Promise.all, with the same setImmediate body. CPython runs bench/python/fanout.py, under 3.11 and " +
    "3.13: the usual asyncio idiom, `async with semaphore` inside each of the gathered coroutines.",
  taskgroup:
    "taskGroup() whose body creates the 100,000 tasks, against gather() of the same functions and raw " +
    "Promise.all of async functions each run in AsyncLocalStorage.run (the floor of the gather bench). CPython " +
    "runs bench/python/taskgroup.py (`async with asyncio.TaskGroup()`), under 3.11 and 3.13.",
  gather:
    "Raw baselines: Promise.all of async functions that each await one setImmediate, without and with the " +
    "AsyncLocalStorage.run per function that asyncio-ts pays to know the current task (on Node 20 the first " +
    "AsyncLocalStorage.run turns on promise hooks for the whole process, so the raw variants run first). " +
    "CPython runs bench/python/gather.py, under 3.11 and 3.13 (pyenv's PYENV_VERSION; a version that is " +
    "missing is reported as failed). Effection: all() of operations that each yield* sleep(0); " +
    "Effect: Effect.all with concurrency unbounded.",
  sleep:
    "gather() of sleep() Futures against Promise.all of setTimeout promises; the same seeded whole-millisecond delays.",
  "sleep-tasks": "Each sleep in its own task (asyncio-ts) or async function (raw).",
  "as-completed":
    "Every result consumed in completion order. Raw: each promise pushes its result into a queue that one " +
    "consumer drains (O(1) per completion, not a Promise.race loop).",
  "as-completed-sleep0": "As above; the raw version awaits one setImmediate.",
  memory:
    "heapUsed delta after global.gc(), divided by the number of tasks. Each waiter is held in an array (the " +
    "Future, or the promise's resolve function), as real code holds what will complete it.",
  "to-thread-latency":
    "5,000 calls of `(x) => x + 1`, each awaited before the next, on warmed-up workers (started, the " +
    "function compiled): toThread inside run() (the default pool; one call at a time keeps one worker busy), " +
    "ThreadPoolExecutor({ maxWorkers: 1 }).submit, raw worker_threads (postMessage a number to one worker, " +
    "wait for its reply), piscina and tinypool with maxThreads 1 (bench/workers/add-one.js). The variants run " +
    "interleaved, one run of each per round, so that the machine's slow spells fall on all of them. On this " +
    "2-vCPU virtual machine a round trip is bimodal: about 30 µs while other work keeps the vCPUs busy, " +
    "100-400 µs when they are idle (waking a halted vCPU); the raw figure shows which a run saw, and ratios " +
    "compare only between runs that saw the same.",
  "to-thread-throughput":
    "The calls are made at once and awaited together (gather / Promise.all); every variant has as many " +
    "threads as asyncio-ts's default pool. Raw worker_threads: pipelined (one message per call, round-robin, " +
    "all in flight, replies matched by order) and batched (the calls of one burst in one message per worker). " +
    "Interleaved as above.",
  "to-thread-cpu":
    "Each call runs a pure integer loop calibrated to about 0.2 s on the main thread; the pool runs gather() " +
    "of 8 toThread calls after a warm-up that starts its workers. CPython runs bench/python/to_thread.py, " +
    "under 3.11 and 3.13 " +
    "(the same program with asyncio.to_thread and a pure-Python loop, calibrated to 0.2 s in Python): the GIL " +
    "lets one thread run Python at a time. Speedup = time one after another / time on the pool; it needs the " +
    "cores to be free, so another busy process on the machine shows here first.",
  "cpu-burst-small":
    "Cold: the default pool of a new run() (gather of toThread) or a new ThreadPoolExecutor() (submit), timed " +
    "from the first call, so starting the workers counts. Warm: the same after two calls of the job made at once " +
    "and awaited. Each run shuts its pool down afterwards (untimed). Interleaved with the main-thread baseline " +
    "(the calls one after another); ratio = pool / main thread, speedup = main thread / pool. threads_after in " +
    "the results: the workers the pool held after the burst. Targets on 2 cores: warm >= 1.7x, cold >= 1.0x.",
  "cpu-burst-large": "As above, with jobs about 11 times longer.",
  "cpu-burst-blocking":
    "Each call blocks its worker in Atomics.wait for 200 ms without using the CPU; as many calls as the " +
    "default maxWorkers, on the same four pools. Ratio = total time / 200 ms (1 when they all overlap); target <= 1.2.",
};

function major(node) {
  return node.replace(/^v/, "").split(".")[0];
}

function renderDoc(rows) {
  const nodes = [...new Set(rows.map((r) => r.node))].sort((a, b) => major(a) - major(b));
  const benches = [...new Set(rows.map((r) => r.bench))].sort(
    (a, b) => Object.keys(titles).indexOf(a) - Object.keys(titles).indexOf(b),
  );
  const out = [
    "# Benchmarks",
    "",
    "Generated by `npm run bench` (scripts/bench.js) from bench/results/latest.jsonl;",
    "do not edit by hand. Each figure is the median of the timed runs after a warm-up.",
    "The ratio is asyncio-ts / baseline: below 1, asyncio-ts is faster (or smaller).",
    "Baselines are measured in the same process and run; CPython in a child process.",
    "Run `npm run bench` (all), `npm run bench -- gather` (matching files only);",
    "BENCH_WARMUP and BENCH_REPEATS (default 2 and 5) set the runs. Node 24 is the",
    "version pinned in package.json (config.node24), which scripts/node24.js installs",
    "on first use. Figures from a busy machine are not comparable.",
    "",
  ];
  const machines = new Map();
  for (const r of rows) machines.set(JSON.stringify(r.machine && { ...r.machine, load_1m: undefined }), r.machine);
  for (const m of machines.values()) {
    out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.os}.`);
  }
  const dates = rows.map((r) => r.date).sort();
  const loads = rows.map((r) => r.machine?.load_1m).filter((x) => x !== undefined);
  out.push(
    `Run: ${dates[0]?.slice(0, 16).replace("T", " ")} to ${dates.at(-1)?.slice(0, 16).replace("T", " ")} UTC;` +
      ` load average at bench start ${Math.min(...loads)}-${Math.max(...loads)}.`,
    `Node: ${nodes.join(", ")}.`,
    "",
  );
  const { nodes: judgedFirst, list } = targets(rows);
  const [judged, ...beside] = judgedFirst.map((n) => `Node ${major(n)}`);
  out.push(
    `## Targets (${judged ?? "Node 24"})`,
    "",
    beside.length
      ? `Judged on ${judged}; ${beside.join(", ")} beside for comparison, not judged (each figure says whether it would meet the target).`
      : `Judged on ${judged ?? "Node 24"}.`,
    "",
    `| Target | ${judged ?? "Figure"} | Status |${beside.map((n) => ` ${n} |`).join("")}`,
    `| --- | --- | --- |${beside.map(() => " --- |").join("")}`,
    ...list.map((t) => `| ${t.target} | ${t.figure} | ${t.status} |${t.others.map((o) => ` ${o} |`).join("")}`),
    "",
  );
  if (existsSync(analysisFile)) out.push(readFileSync(analysisFile, "utf8").trim(), "");
  for (const bench of benches) {
    const mine = rows.filter((r) => r.bench === bench);
    const metric = mine[0].metric;
    out.push(`## ${bench}: ${titles[bench] ?? bench}`, "");
    out.push(`${notes[bench] ? notes[bench] + " " : ""}Figures in ${unit(metric, bench)}.`, "");
    out.push(
      `| Variant | ${nodes.map((n) => `Node ${n} | ratio`).join(" | ")} |`,
      `| --- | ${nodes.map(() => "---: | ---:").join(" | ")} |`,
    );
    const variants = [...new Set(mine.map((r) => r.variant))];
    for (const variant of variants) {
      const cells = nodes.map((node) => {
        const r = mine.find((x) => x.variant === variant && x.node === node);
        if (r === undefined) return "– | –";
        const value = r[metric] ?? `failed`;
        return `${value} | ${r.ratio ?? (r.baseline ? "–" : "(subject)")}`;
      });
      out.push(`| ${variant} | ${cells.join(" | ")} |`);
    }
    out.push("");
    // Rows that carry a speedup (to-thread-cpu): say it per Node, with the cores.
    const fast = mine.filter((r) => typeof r.speedup === "number");
    if (fast.length > 0) {
      const per = nodes.map((node) => {
        const on = fast.filter((r) => r.node === node);
        const params = mine.find((r) => r.node === node)?.params ?? {};
        const free = [params.free_cores_before, params.free_cores_after].filter((x) => typeof x === "number");
        const machine = params.cores
          ? ` (${params.cores} cores${free.length ? `; free before/after: ${free.join("/")}` : ""})`
          : "";
        const list = on.map(
          (r) => `${r.label ?? (r.baseline ? r.variant.split(" ").slice(0, 2).join(" ") : "asyncio-ts")} ${r.speedup}x`,
        );
        return `Node ${node}${machine}: ${list.join(", ")}`;
      });
      out.push(`Speedup (one after another / in parallel): ${per.join("; ")}.`, "");
    }
  }
  return out.join("\n");
}

// The performance issue's targets, judged on the newest Node in the results
// (Node 24); every older Node's figure is shown beside, with whether it would
// meet the target, but not judged. Each target is a function of one Node's
// rows returning { target, ok, figure }: ok true (met), false (missed),
// undefined (no data) or "info" (a figure with no target).
function targets(rows) {
  const nodes = [...new Set(rows.map((r) => r.node))].sort((a, b) => major(b) - major(a));
  const list = [];
  for (const def of targetDefs(rows)) {
    const [judged, ...others] = nodes.map((node) => def(rows.filter((r) => r.node === node)));
    if (judged === undefined) continue;
    list.push({
      target: judged.target,
      figure: judged.figure,
      status: judged.ok === "info" ? "info" : judged.ok === undefined ? "no data" : judged.ok ? "met" : "**missed**",
      others: others.map((o) =>
        o.ok === true || o.ok === false ? `${o.figure}: ${o.ok ? "met" : "missed"}` : o.figure,
      ),
    });
  }
  return { nodes, list };
}

function targetDefs(rows) {
  const pick = (on, bench, pred) => on.find((r) => r.bench === bench && pred(r));
  const subject = (on, bench) => pick(on, bench, (r) => !r.baseline);
  const value = (r) => (r ? r[r.metric] : undefined);
  const has = (...rs) => rs.every((r) => typeof value(r) === "number");
  // asyncio-ts's figure against a baseline's: at most `max` times it.
  const atMost = (target, max, s, b, what) => ({
    target,
    ok: has(s, b) ? value(s) <= max * value(b) : undefined,
    figure: has(s, b)
      ? `${value(s)} vs ${value(b)} ${unit(s.metric, s.bench)} (${round(value(s) / value(b))}x ${what})`
      : s && b
        ? "failed"
        : "–",
  });
  const defs = [];

  // gather of 100,000 tasks each awaiting sleep(0).
  const rawAls = (on) => pick(on, "gather", (r) => r.variant.includes("AsyncLocalStorage"));
  defs.push((on) =>
    atMost(
      "gather: at most 1.6x raw Promise.all + setImmediate + ALS per task",
      1.6,
      subject(on, "gather"),
      rawAls(on),
      "raw+ALS",
    ),
  );
  for (const peer of ["Effect ", "Effection"]) {
    defs.push((on) => {
      const g = subject(on, "gather");
      // Against the peer's fastest variant.
      const peers = on.filter((r) => r.bench === "gather" && r.variant.startsWith(peer) && has(r));
      const best = peers.sort((a, b) => a.us_per_op - b.us_per_op)[0];
      return {
        target: `gather: faster than ${peer.trim()}${peer === "Effect " ? " (its fastest variant)" : ""}`,
        ok: has(g, best) ? g.us_per_op < best.us_per_op : undefined,
        figure: has(g, best) ? `${g.us_per_op} vs ${best.us_per_op} µs/task (${best.variant})` : "–",
      };
    });
  }
  // asyncio-ts against each CPython version, for information (the variant names carry the version).
  const pythonOf = (r) => /^CPython (\S+) /.exec(r.variant)?.[1];
  const pythons = [...new Set(rows.filter((r) => r.bench === "gather").map(pythonOf))].filter(Boolean).sort();
  for (const py of pythons) {
    defs.push((on) => {
      const g = subject(on, "gather");
      const c = pick(on, "gather", (r) => pythonOf(r) === py);
      return {
        target: `gather vs CPython ${py} asyncio.gather (no target)`,
        ok: "info",
        figure: has(g, c)
          ? `${g.us_per_op} vs ${c.us_per_op} µs/task (` +
            (g.us_per_op <= c.us_per_op
              ? `${round(c.us_per_op / g.us_per_op)}x faster)`
              : `${round(g.us_per_op / c.us_per_op)}x slower)`)
          : c
            ? `CPython failed: ${String(c.error ?? "")
                .split("\n")[0]
                .slice(0, 120)}`
            : "–",
      };
    });
  }
  // gather-eager (a bench to come): gather of 100,000 tasks that return at
  // once. Its subject (baseline: false) is gather of eager tasks; its
  // baselines are raw Promise.all (a variant starting "raw") and the same
  // gather of lazy tasks (a variant starting "asyncio-ts"), shown for
  // information.
  defs.push((on) => {
    const eager = subject(on, "gather-eager");
    const lazy = pick(on, "gather-eager", (r) => r.baseline && r.variant.startsWith("asyncio-ts"));
    const t = atMost(
      "gather of tasks that return at once: eager at most 1.5x raw Promise.all",
      1.5,
      eager,
      pick(on, "gather-eager", (r) => r.baseline && r.variant.startsWith("raw")),
      "raw",
    );
    return has(eager, lazy) ? { ...t, figure: `${t.figure}; lazy ${lazy.us_per_op} µs/task` } : t;
  });

  // The structured-concurrency benches: within 2x of the raw-promise
  // version, and at least 5x faster than CPython 3.13.
  const structured = [
    ["fanout", "bounded fan-out (map, limit 100)", (r) => r.variant.startsWith("raw promises")],
    ["taskgroup", "TaskGroup of 100,000 tasks", (r) => r.variant.startsWith("raw Promise.all")],
    ["lock", "Lock acquire/release, no contention", (r) => r.variant.startsWith("raw")],
    ["lock-contended", "Lock acquire/release, 100 tasks", (r) => r.variant.startsWith("raw")],
    ["queue", "Queue put/get, 1 consumer", (r) => r.variant.startsWith("raw")],
    ["queue-multi", "Queue put/get, 4 consumers", (r) => r.variant.startsWith("raw")],
  ];
  for (const [bench, what, isRaw] of structured) {
    defs.push((on) =>
      atMost(`${what}: at most 2x the raw-promise version`, 2, subject(on, bench), pick(on, bench, isRaw), "raw"),
    );
    defs.push((on) => {
      const s = subject(on, bench);
      const c = pick(on, bench, (r) => /^CPython 3\.13/.test(r.variant));
      return {
        target: `${what}: at least 5x faster than CPython 3.13`,
        ok: has(s, c) ? value(c) >= 5 * value(s) : undefined,
        figure: has(s, c)
          ? `${value(s)} vs ${value(c)} ${unit(s.metric, bench)} (` +
            (value(s) <= value(c) ? `${round(value(c) / value(s))}x faster)` : `${round(value(s) / value(c))}x slower)`)
          : "–",
      };
    });
  }
  defs.push((on) =>
    atMost(
      "memory: heap per pending task at most 1.25x a raw async function with ALS",
      1.25,
      subject(on, "memory"),
      pick(on, "memory", (r) => r.variant.includes("AsyncLocalStorage")),
      "raw+ALS",
    ),
  );
  for (const bench of ["sleep", "sleep-tasks"]) {
    defs.push((on) =>
      atMost(
        `${bench}: overhead beyond the longest sleep at most 1.2x raw setTimeout`,
        1.2,
        subject(on, bench),
        pick(on, bench, (r) => r.baseline),
        "raw",
      ),
    );
  }
  for (const bench of ["as-completed", "as-completed-sleep0"]) {
    defs.push((on) =>
      atMost(
        `${bench}: at most 2x raw`,
        2,
        subject(on, bench),
        pick(on, bench, (r) => r.baseline),
        "raw",
      ),
    );
  }

  // Worker threads.
  defs.push((on) => {
    const t = atMost(
      "toThread sequential latency: at most 1.3x raw worker_threads postMessage",
      1.3,
      subject(on, "to-thread-latency"),
      pick(on, "to-thread-latency", (r) => r.variant.startsWith("raw worker_threads")),
      "raw",
    );
    const submit = pick(on, "to-thread-latency", (r) => r.variant.includes("ThreadPoolExecutor"));
    const raw = pick(on, "to-thread-latency", (r) => r.variant.startsWith("raw worker_threads"));
    return has(submit, raw)
      ? {
          ...t,
          figure: `${t.figure}; submit ${submit.us_per_op} µs/call (${round(submit.us_per_op / raw.us_per_op)}x raw)`,
        }
      : t;
  });
  defs.push((on) => {
    const thr = subject(on, "to-thread-throughput");
    const thrPiscina = pick(on, "to-thread-throughput", (r) => r.variant.startsWith("piscina"));
    const thrRaw = pick(on, "to-thread-throughput", (r) => r.variant.startsWith("raw worker_threads pipelined"));
    return {
      target: "toThread throughput: >= 3x piscina's",
      ok: has(thr, thrPiscina) ? thr.us_per_op * 3 <= thrPiscina.us_per_op : undefined,
      figure: has(thr, thrPiscina)
        ? `${thr.us_per_op} vs ${thrPiscina.us_per_op} µs/call (${round(thrPiscina.us_per_op / thr.us_per_op)}x piscina's calls/s` +
          (has(thrRaw) ? `; raw pipelined ${round(thrPiscina.us_per_op / thrRaw.us_per_op)}x)` : ")")
        : "–",
    };
  });
  defs.push((on) => {
    const cpu = subject(on, "to-thread-cpu");
    const cores = cpu?.params?.cores;
    const cpy = on.filter(
      (r) => r.bench === "to-thread-cpu" && r.variant.startsWith("CPython") && typeof r.speedup === "number",
    );
    return {
      target: "toThread CPU-bound speedup: >= 0.9 x cores",
      ok: typeof cpu?.speedup === "number" && cores ? cpu.speedup >= 0.9 * cores : undefined,
      figure:
        cpu && cores
          ? `${cpu.speedup}x on ${cores} cores (needs ${round(0.9 * cores)}x)` +
            (typeof cpu.params.free_cores_before === "number"
              ? `, ${cpu.params.free_cores_before} of them free before the run`
              : "") +
            (cpy.length ? `; CPython to_thread ${cpy.map((r) => `${pythonOf(r)} ${r.speedup}x`).join(", ")}` : "")
          : "–",
    };
  });
  // A burst on a cold or warm pool (cpu-burst.bench): each row says its target and whether it is met.
  for (const [bench, what] of [
    ["cpu-burst-small", "8 x fib(30)"],
    ["cpu-burst-large", "8 x fib(35)"],
  ]) {
    for (const warm of [true, false]) {
      defs.push((on) => {
        const burst = on.filter(
          (r) => r.bench === bench && typeof r.label === "string" && r.label.startsWith(warm ? "warm" : "cold"),
        );
        const target = burst[0]?.params?.[warm ? "target_warm" : "target_cold"];
        return {
          target: `${bench}: ${warm ? "warm" : "cold"} pool >= ${target ?? (warm ? "0.85 x cores" : 1)}x the main thread (${what})`,
          ok: burst.length ? burst.every((r) => r.target_met === true) : undefined,
          figure: burst.length
            ? burst
                .map((r) => `${r.label} ${r.speedup ?? "failed"}x (threads after: ${r.threads_after?.join("/")})`)
                .join("; ")
            : "–",
        };
      });
    }
  }
  defs.push((on) => {
    const blocking = on.filter((r) => r.bench === "cpu-burst-blocking");
    return {
      target: "cpu-burst-blocking: total <= 1.2x one 200 ms call, cold and warm",
      ok: blocking.length ? blocking.every((r) => r.target_met === true) : undefined,
      figure: blocking.length ? blocking.map((r) => `${r.label} ${r.ratio ?? "failed"}x`).join("; ") : "–",
    };
  });
  return defs;
}

function round(x) {
  return Number(x.toPrecision(3));
}

function readResults() {
  return existsSync(resultsFile)
    ? readFileSync(resultsFile, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l))
    : [];
}

// --report: only regenerate docs/benchmarks.md from latest.jsonl. The results
// are not committed (bench/results/ is ignored): without a run on this
// checkout there is nothing to write the page from, and it is left alone.
if (filter[0] === "--report") {
  if (readResults().length === 0) {
    console.error(`no results in ${resultsFile}: run \`npm run bench\` first; docs/benchmarks.md is unchanged`);
    process.exit(1);
  }
  writeFileSync(docFile, renderDoc(readResults()));
  console.error(`# wrote ${docFile}`);
  process.exit(0);
}

const files = (existsSync(benchDir) ? readdirSync(benchDir) : [])
  .filter((f) => f.endsWith(".bench.js"))
  .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error("no benchmarks found under build/bench: run `npm run bench`, which builds them first");
  process.exit(1);
}

// The machine's Node, then Node 24 (the same once when they are one).
const machine = machineNode();
const node24 = findNode24();
const candidates = [machine];
if (node24.bin !== undefined) candidates.push(node24.bin);
else console.error(`# Node 24 skipped: ${node24.reason}`);
const binaries = [];
const seen = new Set();
for (const bin of candidates) {
  const version = nodeVersion(bin);
  if (version === undefined || seen.has(version)) continue;
  binaries.push({ bin, version });
  seen.add(version);
}
binaries.sort((a, b) => major(a.version) - major(b.version));

const lines = [];
let failed = false;
for (const { bin, version } of binaries) {
  for (const file of files) {
    console.error(`# ${file} on Node ${version}`);
    const result = spawnSync(bin, [...(flags[file] ?? []), join(benchDir, file)], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 * 2 ** 20,
    });
    for (const line of result.stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      const row = JSON.parse(line);
      lines.push(row);
      const value = row[row.metric];
      const ratio = row.ratio === null ? "" : `  ratio ${row.ratio}`;
      console.error(`  ${row.variant}: ${value ?? row.error} ${unit(row.metric, row.bench)}${ratio}`);
    }
    if (result.status !== 0) {
      console.error(`# ${file} failed on Node ${version} (exit ${result.status})`);
      failed = true;
    }
  }
}

// Keep the earlier lines of benchmarks this run did not touch.
const ran = new Set(lines.map((row) => row.bench));
const kept = readResults().filter((row) => !ran.has(row.bench));
const all = [...kept, ...lines];
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(resultsFile, all.map((row) => JSON.stringify(row)).join("\n") + "\n");
writeFileSync(docFile, renderDoc(all));
console.error(`# wrote ${resultsFile} and ${docFile}`);
process.exit(failed ? 1 : 0);
