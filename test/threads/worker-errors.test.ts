/**
 * Errors the worker thread raises about what it was given, each with a
 * stable `code` that survives the trip back: a result that cannot be sent
 * back, a module without the named export, and a TypeScript module the
 * worker's Node cannot import (with what to do about it).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { moduleFunction, run, toThread } from "asyncio-ts";
import { node24, node24Skip } from "../support/node24.js";

const exec = promisify(execFile);
// build/test/threads/ -> the package root.
const root = fileURLToPath(new URL("../../..", import.meta.url));
const fixtures = join(root, "test", "fixtures");

type Coded = Error & { code?: string };

/** How test/fixtures/module-function-outcome.mjs ended, run by Node `bin` with `options`. */
async function outcome(
  bin: string,
  options: string[],
  file: string,
  name: string,
  arg: string,
): Promise<{ name?: string; code?: string; message?: string; value?: unknown }> {
  const url = pathToFileURL(join(fixtures, file)).href;
  const { stdout } = await exec(bin, [...options, "test/fixtures/module-function-outcome.mjs", url, name, arg], {
    cwd: root,
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe("errors of the worker thread about its input", () => {
  it("a result that cannot be cloned fails the call with a TypeError coded ERR_ASYNCIO_NOT_CLONEABLE; the other results arrive", async () => {
    const [bad, good] = await run(async () => {
      const results = await Promise.allSettled([toThread(() => () => 1), toThread(() => 2)]);
      return results;
    });
    assert.equal(bad!.status, "rejected");
    const err = (bad as PromiseRejectedResult).reason as Coded;
    assert.ok(err instanceof TypeError);
    assert.equal(err.code, "ERR_ASYNCIO_NOT_CLONEABLE");
    assert.match(
      err.message,
      /^the result of the job cannot be sent back from the worker thread: .*; return plain data/,
    );
    assert.deepEqual(good, { status: "fulfilled", value: 2 });
  });

  it("a module without the named export fails the call with a TypeError coded ERR_ASYNCIO_NO_EXPORT", async () => {
    const missing = moduleFunction(pathToFileURL(join(fixtures, "thread-functions.js")), "noSuchFunction");
    await assert.rejects(
      run(() => toThread(missing)),
      (err: Coded) =>
        err instanceof TypeError &&
        err.code === "ERR_ASYNCIO_NO_EXPORT" &&
        /thread-functions\.js has no exported function "noSuchFunction": export it, or check the name$/.test(
          err.message,
        ),
    );
  });

  it("a module that does not exist fails with Node's ERR_MODULE_NOT_FOUND, naming it and the library's folder it was imported from", async () => {
    const missing = moduleFunction(pathToFileURL(join(fixtures, "no-such-module.js")), "f");
    await assert.rejects(
      run(() => toThread(missing)),
      (err: Coded) => {
        assert.equal(err.code, "ERR_MODULE_NOT_FOUND");
        assert.match(err.message, /^Cannot find module '.*no-such-module\.js' imported from \S+asyncio-ts-worker\.js$/);
        return true;
      },
    );
  });

  it("a TypeScript module the worker's Node cannot import fails with its ERR_UNKNOWN_FILE_EXTENSION and says what to do", async () => {
    // Node 22.6+ strips types unless told not to; Node 20 cannot.
    const major = Number(process.versions.node.split(".")[0]);
    const options = major >= 22 ? ["--no-experimental-strip-types"] : [];
    const out = await outcome(process.execPath, options, "typed-functions.ts", "greet", "worker");
    assert.equal(out.name, "TypeError", JSON.stringify(out));
    assert.equal(out.code, "ERR_UNKNOWN_FILE_EXTENSION");
    assert.match(out.message!, /Unknown file extension "\.ts"/);
    assert.match(out.message!, /cannot import TypeScript in this Node: run the program with tsx/);
    assert.match(out.message!, /Node 22\.18\+ or 24/);
    assert.match(out.message!, /compile the module to JavaScript/);
  });

  it(
    "a TypeScript module with syntax Node 24's type stripping cannot remove says to use erasable syntax or tsx",
    { skip: node24Skip },
    async () => {
      const out = await outcome(node24!, [], "tsx-only-functions.ts", "weigh", "7");
      assert.equal(out.code, "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX", JSON.stringify(out));
      assert.match(
        out.message!,
        /use erasable syntax \(no enum, namespace or parameter properties\), or run the program with tsx/,
      );
    },
  );
});
