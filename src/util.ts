/**
 * Small helpers that every layer may use, and that depend on nothing of
 * asyncio-ts.
 *
 * @module
 */

/** @internal Whether `value` has a `then` method, as `await` decides. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
