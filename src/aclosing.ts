/**
 * aclosing(): close an async generator when a block of code is done with it.
 *
 * Port of CPython 3.13 Lib/contextlib.py `aclosing`. Differs: `async with
 * aclosing(gen) as g:` becomes a callback, `await aclosing(gen, async (g) =>
 * …)`, which returns the block's value; closing calls the generator's
 * `return()` (JavaScript's `aclose()`), so its `finally` blocks run, and an
 * object with an `aclose()` method of its own gets that called instead.
 *
 * @module
 */

import { show, typeError } from "./errors.js";
import { Coroutine } from "./tasks/coroutine.js";

/** What aclosing() can close: an async generator or iterator, or an object with `aclose()`. */
export type AsyncClosable = { return(value?: any): PromiseLike<unknown> } | { aclose(): PromiseLike<unknown> };

/**
 * Runs `body(thing)`, then closes `thing` however the body ended (a value,
 * an error, a cancellation): its `finally` blocks run before aclosing()
 * returns. For a generator iterated by hand, or given to code that may stop
 * early; a plain `for await` loop that breaks closes it already.
 *
 * @returns a lazy Coroutine of the body's value: await it.
 * @example
 * ```ts
 * async function* ticks() { try { for (let i = 0; ; i++) { await sleep(1); yield i; } } finally { console.log("closed"); } }
 * const first = await aclosing(ticks(), async (gen) => (await gen.next()).value); // prints "closed"
 * ```
 */
export function aclosing<G extends AsyncClosable, T>(
  thing: G,
  body: (thing: G) => T | PromiseLike<T>,
): Coroutine<Awaited<T>> {
  const close = closer(thing);
  if (typeof body !== "function") {
    throw typeError(`aclosing() expects a function that uses the generator second, got ${show(body)}`);
  }
  return new Coroutine(async (): Promise<Awaited<T>> => {
    try {
      return await body(thing);
    } finally {
      await close();
    }
  });
}

function closer(thing: unknown): () => PromiseLike<unknown> {
  if (thing !== null && typeof thing === "object") {
    const aclose = (thing as { aclose?: unknown }).aclose;
    if (typeof aclose === "function") return () => aclose.call(thing) as PromiseLike<unknown>;
    const ret = (thing as { return?: unknown }).return;
    if (typeof ret === "function") return () => ret.call(thing) as PromiseLike<unknown>;
  }
  throw typeError(
    `aclosing() expects an async generator (or an object with aclose() or return()), got ${show(thing)}: pass the generator object, gen(), not gen`,
  );
}
