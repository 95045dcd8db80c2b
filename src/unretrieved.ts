/**
 * "Task exception was never retrieved": a Future completed with an exception
 * that nobody read (no await, no result(), no exception()) is reported to its
 * loop's exception handler, never as an unhandled rejection.
 *
 * Port of CPython 3.13 Lib/asyncio/futures.py `Future.__del__`. Differs:
 * CPython reports when the Future is freed, at once thanks to reference
 * counting; JavaScript's garbage collector may never run, so a report comes
 * when the Future is collected or, at the latest, when its loop closes.
 *
 * @module
 */

import type { EventLoop } from "./loop/event-loop.js";
import type { Future } from "./futures.js";

/** @internal */
export interface UnretrievedEntry {
  readonly loop: EventLoop;
  readonly exception: unknown;
  readonly repr: string;
  readonly kind: string;
  /** Where the Future was created, in debug mode. */
  readonly source: string | undefined;
}

const registry = new FinalizationRegistry<UnretrievedEntry>(report);
const pending = new WeakMap<EventLoop, Set<UnretrievedEntry>>();

/** @internal Starts watching a Future whose exception was just set. */
export function _trackUnretrieved(future: Future<unknown>, exception: unknown): UnretrievedEntry {
  const loop = future.getLoop();
  const entry: UnretrievedEntry = {
    loop,
    exception,
    repr: future.toString(),
    kind: future.constructor.name === "Future" ? "Future" : "Task",
    source: future._source,
  };
  let set = pending.get(loop);
  if (set === undefined) pending.set(loop, (set = new Set()));
  set.add(entry);
  registry.register(future, entry, entry);
  return entry;
}

/** @internal The exception was read. */
export function _untrackUnretrieved(loop: EventLoop, token: object): void {
  pending.get(loop)?.delete(token as UnretrievedEntry);
  registry.unregister(token);
}

/** @internal Reports what is still unread; called when the loop closes. */
export function _reportUnretrieved(loop: EventLoop): void {
  const set = pending.get(loop);
  if (set === undefined) return;
  for (const entry of [...set]) report(entry);
  pending.delete(loop);
}

function report(entry: UnretrievedEntry): void {
  const set = pending.get(entry.loop);
  if (set === undefined || !set.delete(entry)) return;
  registry.unregister(entry);
  entry.loop.callExceptionHandler({
    message: `${entry.kind} exception was never retrieved`,
    exception: entry.exception,
    future: entry.repr,
    ...(entry.source === undefined ? {} : { sourceTraceback: entry.source }),
  });
}
