/**
 * Done callbacks of asyncio-ts itself (gather's, shield's, waitFor's…) are
 * marked: they call no user code, so the loop may run them in whatever async
 * context it is in, while a user's callback runs outside any task's context.
 *
 * @module
 */

const INTERNAL = Symbol("asyncio-ts.internalCallback");

/** @internal Marks `callback` as asyncio-ts's own; returns it. */
export function _internalCallback<F extends (...args: any[]) => void>(callback: F): F {
  (callback as { [INTERNAL]?: true })[INTERNAL] = true;
  return callback;
}

/** @internal */
export function _isInternalCallback(callback: unknown): boolean {
  return (callback as { [INTERNAL]?: true })[INTERNAL] === true;
}
