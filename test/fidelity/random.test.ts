/**
 * Random programs against CPython 3.13: a fixed range of seeds, each a
 * program of tasks, sleeps, cancels, gathers, timeouts, shields, waits and
 * Futures (test/fidelity/random/), run by interp.py under CPython and by
 * interp.ts under asyncio-ts; the traces must be equal line for line.
 *
 * A failure names each seed; `node build/test/fidelity/random/run.js
 * --seeds N --shrink` prints its program and shrinks it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compare, describeMismatch } from "./random/compare.js";
import { generate, type GenOptions } from "./random/generate.js";

async function check(from: number, to: number, options: GenOptions): Promise<void> {
  const programs = [];
  for (let seed = from; seed <= to; seed++) programs.push(generate(seed, options));
  const result = await compare(programs);
  // Seeds whose timers fall due together in another order in CPython's heap
  // are skipped; most programs must still be compared.
  assert.ok(result.ran >= 0.8 * programs.length, `only ${result.ran} of ${programs.length} programs compared`);
  assert.equal(
    result.mismatches.length,
    0,
    `${result.mismatches.length} programs print another trace than CPython 3.13 ` +
      `(seeds ${result.mismatches.map((m) => m.program.seed).join(" ")}):\n\n` +
      result.mismatches
        .slice(0, 3)
        .map((m) => describeMismatch(m))
        .join("\n\n"),
  );
}

describe("fidelity: random programs", () => {
  it("generates the same program for the same seed", () => {
    assert.deepEqual(generate(7), generate(7));
    assert.notDeepEqual(generate(7), generate(8));
  });

  it("seeds 1-600 print what CPython 3.13 prints", () => check(1, 600, {}));

  it("seeds 1-600 with jittered durations print what CPython 3.13 prints", () => check(1, 600, { jitter: true }));
});
