/**
 * What asyncio-ts loads: importing it, or a run() that starts no thread,
 * loads neither vm nor inspector, which the thread pool needs. (run() loads
 * worker_threads to know whether it runs in the main thread; on Node 24,
 * node:util loads it too.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

const PROGRAM = `
const before = new Set(process.moduleLoadList);
const loaded = () => process.moduleLoadList.filter((m) => !before.has(m) && /^NativeModule (vm|inspector)$/.test(m)).map((m) => m.slice(13));
const m = await import("asyncio-ts");
const afterImport = loaded();
await m.run(() => m.sleep(0));
const afterRun = loaded();
await m.run(() => m.toThread((x) => x + 1, 1));
console.log(JSON.stringify([afterImport, afterRun, loaded().sort()]));
`;

describe("loading", () => {
  it("neither import nor a run() without threads loads vm or inspector; the first toThread does", async () => {
    const { stdout } = await exec(process.execPath, ["--input-type=module", "-e", PROGRAM], {
      cwd: root,
      timeout: 30_000,
    });
    assert.deepEqual(JSON.parse(stdout), [[], [], ["inspector", "vm"]]);
  });
});
