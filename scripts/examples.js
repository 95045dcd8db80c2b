#!/usr/bin/env node
// Runs the compiled examples (build/examples/*.js) one after another and
// prints each one's output under a header: the seed's programs first, in the
// seed's order, then any other example. `npm run examples` builds them first.
// `node scripts/examples.js gather` runs only the examples whose name matches.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = join(root, "build", "examples");
const filter = process.argv.slice(2);

// The seed's sections, in its order: example name -> section title.
const titles = new Map([
  ["run", "Run Coroutine"],
  ["sequential", "Run Sequentially"],
  ["gather", "Run Concurrently"],
  ["as-completed", "Run as Completed"],
  ["to-thread", "Run in Threads"],
]);

if (!existsSync(dir)) {
  console.error("no compiled examples under build/examples: run `npm run examples`, which builds them first");
  process.exit(1);
}
const built = readdirSync(dir)
  .filter((f) => f.endsWith(".js"))
  .map((f) => f.slice(0, -".js".length));
const seedOrder = [...titles.keys()].filter((name) => built.includes(name));
const others = built.filter((name) => !titles.has(name)).sort();
const names = [...seedOrder, ...others].filter((name) => filter.length === 0 || filter.some((s) => name.includes(s)));
if (names.length === 0) {
  console.error(`no examples match ${filter.join(" ")}`);
  process.exit(1);
}

let failed = false;
for (const [i, name] of names.entries()) {
  const title = titles.get(name) ?? name;
  console.log(`${i === 0 ? "" : "\n"}## ${title} (examples/${name}.ts)\n`);
  const result = spawnSync(process.execPath, ["--enable-source-maps", join(dir, `${name}.js`)], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.error(`\nexamples/${name}.ts failed (${result.signal ?? `exit code ${result.status}`})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
