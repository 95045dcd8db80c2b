/**
 * Random differential testing against CPython 3.13, from the command line:
 *
 *   node build/test/fidelity/random/run.js --seeds 1-500 [--tick 0.125] [--shrink] [--full]
 *
 * Prints each mismatch with its seed, its program and both traces around
 * the first difference; with --shrink, also the smallest program found that
 * still mismatches. Exits with 1 when any mismatch was found.
 *
 * @module
 */
import { compare, describeMismatch } from "./compare.js";
import { generate } from "./generate.js";
import { shrink, size } from "./shrink.js";

function parseArgs(argv: string[]): { from: number; to: number; tick: number; shrink: boolean; full: boolean } {
  let from = 1;
  let to = 200;
  let tick = 0.125;
  let doShrink = false;
  let full = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--seeds") {
      const [lo, hi] = argv[++i]!.split("-");
      from = Number(lo);
      to = Number(hi ?? lo);
    } else if (a === "--tick") tick = Number(argv[++i]);
    else if (a === "--shrink") doShrink = true;
    else if (a === "--full") full = true;
    else if (a === "--help") {
      console.log("usage: node build/test/fidelity/random/run.js [--seeds A-B] [--tick S] [--shrink] [--full]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}: use --seeds A-B, --tick S, --shrink, --full`);
  }
  return { from, to, tick, shrink: doShrink, full };
}

const args = parseArgs(process.argv.slice(2));
const started = performance.now();
const programs = [];
for (let seed = args.from; seed <= args.to; seed++) programs.push(generate(seed, { tick: args.tick }));
const result = await compare(programs);
for (const m of result.mismatches) {
  console.log(`\n=== ${describeMismatch(m)}`);
  if (args.full) console.log(`full CPython trace:\n${m.python.join("\n")}\nfull asyncio-ts trace:\n${m.ts.join("\n")}`);
  if (args.shrink) {
    const small = await shrink(m);
    console.log(
      `\n--- seed ${m.program.seed} shrunk to ${size(small.program)} statements:\n${describeMismatch(small)}`,
    );
    if (args.full)
      console.log(`full CPython trace:\n${small.python.join("\n")}\nfull asyncio-ts trace:\n${small.ts.join("\n")}`);
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const skipped = result.skipped.length;
console.log(
  `\n${programs.length} seeds (${args.from}-${args.to}): ${result.ran} compared, ${skipped} skipped, ` +
    `${result.mismatches.length} mismatches, ${seconds} s` +
    (result.mismatches.length > 0 ? `; seeds ${result.mismatches.map((m) => m.program.seed).join(" ")}` : ""),
);
for (const s of result.skipped) console.log(`skipped seed ${s.seed}: ${s.why}`);
process.exitCode = result.mismatches.length > 0 ? 1 : 0;
