// The raw worker_threads baseline of bench/to-thread.bench.ts: a number in,
// that number + 1 out; an array (a batch) in, the array of results out.
// Replies leave in arrival order, so the caller matches them by position.
import { parentPort } from "node:worker_threads";

const port = parentPort;
port.on("message", (x) => {
  if (typeof x === "number") port.postMessage(x + 1);
  else port.postMessage(x.map((v) => v + 1));
});
