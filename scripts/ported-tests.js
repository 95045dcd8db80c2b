#!/usr/bin/env node
// Lists the CPython tests ported into test/, from their "Ported from" comments,
// as the "Ported" section of docs/ported-tests.md (between the markers).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const files = [];
(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".test.ts")) files.push(p);
  }
})(join(root, "test"));

const byModule = new Map();
for (const file of files.sort()) {
  for (const m of readFileSync(file, "utf8").matchAll(/Ported from (test_[a-z_]+\.py): ([A-Za-z_.0-9]+)/g)) {
    const [, mod, name] = m;
    if (!byModule.has(mod)) byModule.set(mod, new Map());
    const tests = byModule.get(mod);
    if (!tests.has(name)) tests.set(name, new Set());
    tests.get(name).add(relative(root, file));
  }
}
const lines = [];
for (const [mod, tests] of [...byModule].sort()) {
  lines.push(`### ${mod} (${tests.size})`, "");
  for (const [name, where] of [...tests].sort()) lines.push(`- \`${name}\`: ${[...where].join(", ")}`);
  lines.push("");
}
const docPath = join(root, "docs", "ported-tests.md");
const doc = readFileSync(docPath, "utf8");
const start = "<!-- ported:start -->";
const end = "<!-- ported:end -->";
const i = doc.indexOf(start);
const j = doc.indexOf(end);
if (i < 0 || j < 0) throw new Error(`${docPath} lacks the ${start} / ${end} markers`);
writeFileSync(docPath, `${doc.slice(0, i + start.length)}\n\n${lines.join("\n")}\n${doc.slice(j)}`);
console.log(`${[...byModule.values()].reduce((n, t) => n + t.size, 0)} ported tests listed in docs/ported-tests.md`);
