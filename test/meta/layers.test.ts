/**
 * Imports run downward only: a module imports modules of its own layer or
 * below, never above (type-only imports included). The layers, bottom up:
 *
 * 0. base: errors, util, the step protocol (core/step.ts), creation sites
 *    (debug/origin.ts);
 * 1. the loop (loop/);
 * 2. Future and Task (futures.ts, unretrieved.ts, tasks/task.ts,
 *    tasks/coroutine.ts, tasks/current-task.ts);
 * 3. the combinators (the rest of tasks/, timeouts.ts);
 * 4. threads (threads/);
 * 5. runners (runners.ts, signals.ts, index.ts).
 *
 * KNOWN lists the upward imports that remain to be removed; the test fails
 * on any other, and on a KNOWN one that is gone (so the list only shrinks).
 * docs/architecture.md explains the layers.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("../../../src", import.meta.url));

const LAYERS: [number, RegExp][] = [
  [0, /^(errors|util|core\/step|debug\/origin)\.ts$/],
  [1, /^loop\//],
  [2, /^(futures|unretrieved|tasks\/(task|coroutine|current-task))\.ts$/],
  [3, /^(tasks\/.*|timeouts)\.ts$/],
  [4, /^threads\//],
  [5, /^(runners|signals|index)\.ts$/],
];

const KNOWN = new Set([
  // loop.createFuture() makes a Future; runUntilComplete, runInExecutor and
  // the exception handler's context name Future and Task in their types;
  // runInExecutor's overloads and get/setDefaultExecutor name threads types.
  "loop/event-loop.ts -> futures.ts",
  "loop/event-loop.ts -> tasks/task.ts",
  "loop/event-loop.ts -> threads/executor.ts",
  "loop/event-loop.ts -> threads/function-source.ts",
  "loop/executors.ts -> futures.ts",
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
  it("no module imports a layer above its own, beyond the known ones", () => {
    const upward = upwardImports();
    assert.deepEqual(
      upward.filter((edge) => !KNOWN.has(edge)),
      [],
      "an import runs upward: depend on an interface of the lower layer instead (see core/step.ts, loop/executors.ts)",
    );
    assert.deepEqual(
      [...KNOWN].filter((edge) => !upward.includes(edge)),
      [],
      "a known upward import is gone: remove it from KNOWN",
    );
  });
});
