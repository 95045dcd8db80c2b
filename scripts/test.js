#!/usr/bin/env node
// Runs the compiled tests (build/test/**/*.test.js) with node --test, once on
// the machine's Node and once on the pinned Node 24 (scripts/node24.js: where
// npm has it, installed on first use; skipped, saying why, where not).
// Files are listed explicitly: Node 20 reads --test arguments as paths,
// Node 21+ as globs.
//
//   node scripts/test.js                every test file, on both Nodes
//   node scripts/test.js gather timer   files whose path contains "gather" or "timer"
//
// The tests get ASYNCIO_TS_NODE24, the Node 24 binary, for those that start
// a program on Node 24 whichever Node runs them (test/support/node24.ts);
// without one, ASYNCIO_TS_NODE24_SKIPPED says why, and they are skipped.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { findNode24, machineNode, nodeVersion } from "./node24.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const filter = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(path));
    else if (entry.name.endsWith(".test.js")) out.push(path);
  }
  return out.sort();
}

const files = findTests(join(root, "build", "test"))
  .map((f) => relative(root, f))
  .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error("no test files found under build/test: run `npm test`, which builds them first");
  process.exit(1);
}

const machine = machineNode();
const machineVersion = nodeVersion(machine) ?? process.version;
const node24 = findNode24();
const runs = [{ bin: machine, version: machineVersion }];
let note;
if (node24.bin === undefined) note = `Node 24 skipped: ${node24.reason}`;
else if (node24.bin === machine) note = `the machine's Node is Node 24: one run`;
else runs.push(node24);
if (note) console.log(`# ${note}`);

const env = { ...process.env };
if (node24.bin === undefined) {
  delete env.ASYNCIO_TS_NODE24;
  env.ASYNCIO_TS_NODE24_SKIPPED = node24.reason;
} else {
  env.ASYNCIO_TS_NODE24 = node24.bin;
  delete env.ASYNCIO_TS_NODE24_SKIPPED;
}

const failed = [];
for (const { bin, version } of runs) {
  console.log(`\n# ${files.length} test files on Node ${version} (${bin})`);
  const result = spawnSync(
    bin,
    // A test that hangs fails after 2 minutes instead of holding CI.
    ["--enable-source-maps", "--test", "--test-reporter=spec", "--test-timeout=120000", ...files],
    // ASYNCIO_TS_NODE: the Node of this run.
    { cwd: root, stdio: "inherit", env: { ...env, ASYNCIO_TS_NODE: bin } },
  );
  if (result.status !== 0) failed.push(version);
}
const ran = runs.map((r) => r.version).join(" and ");
console.log(
  `\n# ${failed.length ? `tests failed on Node ${failed.join(" and ")}` : `tests passed on Node ${ran}`}${note ? `; ${note}` : ""}`,
);
process.exit(failed.length ? 1 : 0);
