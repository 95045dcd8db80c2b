/**
 * The hang that docs/debugging.md walks through: two writers share a Lock,
 * and one path of save() never releases it. Run it with
 * ASYNCIO_TS_INSPECT=1 to look at it with `npx asyncio-ts pstree PID`, and
 * with ASYNCIO_TS_TRACE=hang.json to draw its timeline after Ctrl-C.
 *
 * Not one of the examples `npm run examples` runs: it never ends.
 */
import { Lock, coroutine, run, sleep, taskGroup } from "asyncio-ts";

const lock = new Lock();

const save = coroutine(async function save(name: string, records: string[]) {
  for (const record of records) {
    await lock.acquire();
    if (record === "") continue; // The bug: this path keeps the lock.
    console.log(`${name} saved ${record}`);
    await sleep(0.05); // Writing, while holding the lock.
    lock.release();
  }
});

async function main(): Promise<void> {
  console.log(`pid ${process.pid}`);
  await taskGroup((tg) => {
    tg.createTask(save("writer-1", ["a", ""]), { name: "writer-1" });
    tg.createTask(save("writer-2", ["c", "d"]), { name: "writer-2" });
  });
  console.log("all saved");
}

await run(main);
