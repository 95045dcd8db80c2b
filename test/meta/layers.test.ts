/**
 * Imports run downward only: a module imports modules of its own layer or
 * below, never above (type-only imports included). The layers, bottom up:
 *
 * 0. base: errors, util, the step protocol (core/step.ts), creation sites
 *    (debug/origin.ts);
 * 1. the thread pool (threads/ but to-thread.ts), which knows nothing of the
 *    loop, as concurrent.futures sits below asyncio;
 * 2. the loop (loop/);
 * 3. Future and Task (futures.ts, unretrieved.ts, tasks/task.ts,
 *    tasks/coroutine.ts, tasks/current-task.ts);
 * 4. the combinators and primitives (the rest of tasks/, timeouts.ts,
 *    locks.ts, queues.ts, mixins.ts, aclosing.ts), and the task tree that
 *    looks at them (debug/graph.ts);
 * 5. toThread, which binds the pool to the loop (threads/to-thread.ts), and
 *    the trace recorder (debug/trace.ts), which observes both;
 * 6. runners (runners.ts, signals.ts, index.ts);
 * 7. the `asyncio-ts` command (cli.ts, cli/).
 *
 * MUTUAL lists the upward imports that stay, each with its reason; the test
 * fails on any other, and on a listed one that is gone (so the list only
 * shrinks). docs/architecture.md explains the layers.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("../../../src", import.meta.url));

const LAYERS: [number, RegExp][] = [
  [0, /^(errors|util|core\/step|debug\/origin)\.ts$/],
  [1, /^threads\/(?!to-thread\.ts$)/],
  [2, /^loop\//],
  [3, /^(futures|unretrieved|tasks\/(task|coroutine|current-task))\.ts$/],
  [4, /^(tasks\/.*|timeouts|locks|queues|mixins|aclosing|debug\/graph)\.ts$/],
  [5, /^(threads\/to-thread|debug\/trace)\.ts$/],
  [6, /^(runners|signals|index)\.ts$/],
  [7, /^(cli|cli\/.*)\.ts$/],
];

const MUTUAL = new Set([
  // The public types are mutually recursive: future.getLoop() and
  // task.getLoop() return the EventLoop, whose createFuture() and
  // runInExecutor() return Futures, whose runUntilComplete() takes one, and
  // whose exception handler's context names the Task. No layering removes
  // that, and CPython's base_events.py imports futures and tasks as well.
  // All else between them goes through core/step.ts: Future and Task reach
  // the loop only through its StepLoop interface.
  "loop/event-loop.ts -> futures.ts",
  "loop/event-loop.ts -> tasks/task.ts",
]);

function layer(file: string): number {
  for (const [n, pattern] of LAYERS) if (pattern.test(file)) return n;
  throw new Error(`${file} belongs to no layer: add it to LAYERS in test/meta/layers.test.ts`);
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

function upwardImports(): string[] {
  const found: string[] = [];
  for (const path of sources(src)) {
    const file = relative(src, path);
    const text = readFileSync(path, "utf8");
    // Static imports and re-exports, type-only ones included, over several lines.
    for (const match of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"(\.[^"]+)"/gms)) {
      const target = relative(src, resolve(dirname(path), match[1]!)).replace(/\.js$/, ".ts");
      if (layer(target) > layer(file)) found.push(`${file} -> ${target}`);
    }
  }
  return found.sort();
}

describe("layers", () => {
  it("no module imports a layer above its own, beyond the listed mutual ones", () => {
    const upward = upwardImports();
    assert.deepEqual(
      upward.filter((edge) => !MUTUAL.has(edge)),
      [],
      "an import runs upward: depend on an interface of the lower layer instead (see core/step.ts, and ExecutorSupport in loop/event-loop.ts)",
    );
    assert.deepEqual(
      [...MUTUAL].filter((edge) => !upward.includes(edge)),
      [],
      "a listed upward import is gone: remove it from MUTUAL",
    );
  });
});
