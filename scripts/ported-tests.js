#!/usr/bin/env node
// Lists the CPython tests ported into test/, from their "Ported from" comments,
// as the "Ported" section of docs/ported-tests.md (between the markers).
//
// A comment names one test or several, and may carry the CPython version the
// tests were ported from (3.11 when it says none):
//
//   // Ported from test_tasks.py: BaseTaskTests.test_a, BaseTaskTests.test_b (CPython 3.13)
//
// A list that ends a line with a comma goes on on the next `//` line. Text in
// parentheses is a note, not a name: `A.test_a (FutureGatherTests, CoroutineGatherTests)`.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const DEFAULT_VERSION = "3.11";
const root = fileURLToPath(new URL("..", import.meta.url));
const files = [];
(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".test.ts")) files.push(p);
  }
})(join(root, "test"));

const COMMENT = /^\s*\/\/ ?(.*)$/;
const PORTED = /Ported from (test_[a-z_0-9]+\.py):(.*)$/;
const NAME = /^(?:[A-Za-z][A-Za-z0-9_]*\.)?_?test_[A-Za-z0-9_]+$/;
const VERSION = /\(CPython (\d+\.\d+)\)/;

/** The "Ported from" comments of a file's source: module, test names, version. */
function parsePorted(source) {
  const lines = source.split("\n");
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const comment = COMMENT.exec(lines[i]);
    const ported = comment && PORTED.exec(comment[1]);
    if (!ported) continue;
    const [, mod, first] = ported;
    // The list: this line, and the next ones while a line ends with a comma.
    let list = first.trim();
    let j = i;
    while (list.endsWith(",") && COMMENT.test(lines[j + 1] ?? "")) {
      j++;
      list += ` ${COMMENT.exec(lines[j])[1].trim()}`;
    }
    // The version may also come on a later line of the same comment block.
    let block = list;
    for (let k = j + 1; COMMENT.test(lines[k] ?? "") && !PORTED.test(lines[k]); k++)
      block += ` ${COMMENT.exec(lines[k])[1]}`;
    const version = VERSION.exec(block)?.[1] ?? DEFAULT_VERSION;
    const names = dropNotes(list)
      .split(/,|\band\b/)
      .map((piece) => piece.trim().split(/\s+/)[0] ?? "")
      .filter((name) => NAME.test(name));
    if (names.length === 0) throw new Error(`no test name in: ${lines[i].trim()}`);
    found.push({ mod, names, version });
    i = j;
  }
  return found;
}

/** The text without its parenthesized notes; an unclosed one runs to the end. */
function dropNotes(text) {
  let out = "";
  let depth = 0;
  for (const ch of text) {
    if (ch === "(") depth++;
    else if (ch === ")" && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

const byModule = new Map();
for (const file of files.sort()) {
  for (const { mod, names, version } of parsePorted(readFileSync(file, "utf8"))) {
    if (!byModule.has(mod)) byModule.set(mod, new Map());
    const tests = byModule.get(mod);
    for (const name of names) {
      if (!tests.has(name)) tests.set(name, { where: new Set(), versions: new Set() });
      tests.get(name).where.add(relative(root, file));
      tests.get(name).versions.add(version);
    }
  }
}
const byVersion = (a, b) => a.localeCompare(b, "en", { numeric: true });
const lines = [];
for (const [mod, tests] of [...byModule].sort()) {
  const counts = new Map();
  for (const { versions } of tests.values()) {
    for (const v of versions) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const versions = [...counts.keys()].sort(byVersion);
  const from =
    versions.length === 1
      ? `from CPython ${versions[0]}`
      : `from CPython ${versions.map((v) => `${v} (${counts.get(v)})`).join(", ")}`;
  lines.push(`### ${mod}: ${tests.size} ${tests.size === 1 ? "test" : "tests"} ${from}`, "");
  for (const [name, { where, versions: vs }] of [...tests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // Each entry says its version where the module mixes versions.
    const version = versions.length === 1 ? "" : ` (${[...vs].sort(byVersion).join(", ")})`;
    lines.push(`- \`${name}\`${version}: ${[...where].join(", ")}`);
  }
  lines.push("");
}
const docPath = join(root, "docs", "ported-tests.md");
const doc = readFileSync(docPath, "utf8");
const start = "<!-- ported:start -->";
const end = "<!-- ported:end -->";
const i = doc.indexOf(start);
const j = doc.indexOf(end);
if (i < 0 || j < 0) throw new Error(`${docPath} lacks the ${start} / ${end} markers`);
const updated = `${doc.slice(0, i + start.length)}\n\n${lines.join("\n")}\n${doc.slice(j)}`;
// --check (the test command): fail, instead of writing, when the list is out of date.
if (process.argv.includes("--check")) {
  if (updated !== doc) {
    console.error(`docs/ported-tests.md is out of date: run node scripts/ported-tests.js and commit it`);
    process.exit(1);
  }
  process.exit(0);
}
writeFileSync(docPath, updated);
console.log(`${[...byModule.values()].reduce((n, t) => n + t.size, 0)} ported tests listed in docs/ported-tests.md`);
