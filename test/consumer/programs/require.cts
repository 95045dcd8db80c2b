// A CommonJS module of the consumer: it requires the ESM package, which
// Node 20.19+ and 22.12+ load (require(esm)).
import asyncio = require("asyncio-ts");

const done: Promise<number> = asyncio.run(async () => {
  await asyncio.sleep(0);
  return 1;
});
const task: asyncio.Task<unknown> | undefined = asyncio.currentTask();
// @ts-expect-error TS2322 run() resolves to the main function's result
const wrong: Promise<string> = asyncio.run(async () => 1);
export = { done, task, wrong };
