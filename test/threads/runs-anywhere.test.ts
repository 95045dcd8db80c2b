/**
 * toThread works wherever the program runs: from the packed package, from
 * the TypeScript sources under tsx, from a .ts program Node runs by
 * stripping types, and from single-file bundles (ESM and CommonJS). The
 * worker's program travels as source, so no file has to be found next to
 * the library. Each case runs a program in a child process and compares what
 * it prints.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { run, toThread } from "asyncio-ts";
import { node24, node24Skip } from "../support/node24.js";

const exec = promisify(execFile);
// build/test/threads/ -> the package root.
const root = fileURLToPath(new URL("../../..", import.meta.url));
const fixtures = join(root, "test", "fixtures");
const tsxCli = fileURLToPath(import.meta.resolve("tsx/cli"));
const functionsUrl = pathToFileURL(join(fixtures, "thread-functions.js")).href;

// What test/fixtures/uses-to-thread.mjs prints when all goes well.
const EXPECTED = [
  6,
  "twice double 42",
  "RangeError: thrown in the worker",
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", // sha256("abc")
];
// What test/fixtures/from-sources.ts prints.
const FROM_SOURCES = [6, "Large 70", "hello worker", "hello js name"];

/**
 * Runs `args` with Node `bin` in `cwd` and parses the last line it printed as
 * JSON; it must print no warning (Node's own included) on stderr.
 */
async function runJson(bin: string, args: string[], cwd = root): Promise<unknown> {
  const { stdout, stderr } = await exec(bin, args, { cwd, timeout: 60_000 });
  assert.equal(stderr, "");
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

function tempDir(t: { after: (fn: () => void) => void }, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `asyncio-ts-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("toThread wherever the program runs", () => {
  it("resolves import() of a package in a function from the library's folder, as a module beside it would", async () => {
    // asyncio-ts, found by its own name from inside its package.
    const found = await run(() => toThread(async () => typeof (await import("asyncio-ts")).toThread));
    assert.equal(found, "function");
  });

  it("works from the packed package (npm pack), in a program that imports it by name", async (t) => {
    const dir = tempDir(t, "packed");
    const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, timeout: 60_000 });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    const pkg = join(dir, "node_modules", "asyncio-ts");
    mkdirSync(pkg, { recursive: true });
    await exec("tar", ["-xzf", join(dir, filename), "-C", pkg, "--strip-components=1"]);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    copyFileSync(join(fixtures, "uses-to-thread.mjs"), join(dir, "program.mjs"));
    copyFileSync(join(fixtures, "thread-functions.js"), join(dir, "functions.js"));
    const functions = pathToFileURL(join(dir, "functions.js")).href;
    assert.deepEqual(await runJson(process.execPath, ["program.mjs", functions], dir), EXPECTED);
  });

  it("works from the TypeScript sources with `node --import tsx`, module exports of .ts files included", async () => {
    assert.deepEqual(
      await runJson(process.execPath, ["--import", "tsx", "test/fixtures/from-sources.ts"]),
      FROM_SOURCES,
    );
  });

  it("works from the TypeScript sources with the tsx command, module exports of .ts files included", async () => {
    assert.deepEqual(await runJson(process.execPath, [tsxCli, "test/fixtures/from-sources.ts"]), FROM_SOURCES);
  });

  it(
    "works from a .ts program that Node 24 runs by stripping types: a typed function of the file, and an export of a .ts module",
    { skip: node24Skip },
    async () => {
      assert.deepEqual(await runJson(node24!, ["test/fixtures/type-stripping.ts"]), [16, "hello worker"]);
    },
  );

  for (const [format, keepNames] of [
    ["esm", false],
    ["esm", true],
    ["cjs", true],
  ] as const) {
    it(`works from a single-file ${format === "esm" ? "ESM" : "CommonJS"} bundle (esbuild --format=${format}${keepNames ? " --keep-names" : ""})`, async (t) => {
      const dir = tempDir(t, "bundle");
      const outfile = join(dir, format === "esm" ? "program.mjs" : "program.cjs");
      await build({
        entryPoints: [join(fixtures, "uses-to-thread.mjs")],
        absWorkingDir: root,
        bundle: true,
        platform: "node",
        format,
        keepNames,
        outfile,
        logLevel: "silent",
      });
      // The whole library is in the bundle, worker program included.
      assert.match(readFileSync(outfile, "utf8"), /function workerMain\(/);
      assert.deepEqual(await runJson(process.execPath, [outfile, functionsUrl], dir), EXPECTED);
    });
  }

  it("works from a minified bundle that keeps names (esbuild --minify --keep-names renames its __name helper), inner named functions included", async (t) => {
    const dir = tempDir(t, "bundle");
    const outfile = join(dir, "program.mjs");
    await build({
      entryPoints: [join(fixtures, "uses-to-thread.mjs")],
      absWorkingDir: root,
      bundle: true,
      platform: "node",
      format: "esm",
      minify: true,
      keepNames: true,
      outfile,
      logLevel: "silent",
    });
    assert.doesNotMatch(readFileSync(outfile, "utf8"), /__name\(/);
    // Its functions with inner named functions use the renamed helper, which
    // workers define. The function sent keeps the minified name of its own
    // (the bundle restores `twice` outside the function, where the worker
    // does not look).
    const out = (await runJson(process.execPath, [outfile, functionsUrl], dir)) as unknown[];
    assert.match(String(out[1]), /^\S+ double 42$/);
    assert.deepEqual([out[0], ...out.slice(2)], [EXPECTED[0], ...EXPECTED.slice(2)]);
  });
});
