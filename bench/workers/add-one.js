// The trivial task for piscina and tinypool in bench/to-thread.bench.ts:
// each pool imports this module in its workers and calls the default export.
export default function addOne(x) {
  return x + 1;
}
