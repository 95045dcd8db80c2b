/**
 * A function as something a worker thread can run: its source, or a
 * reference to a module export.
 *
 * asyncio-ts's own (CPython's threads share the caller's objects). A worker
 * shares no closures with its caller, so a function reaches it as
 * self-contained source, compiled once per worker, or as an export that the
 * worker imports (docs/differences.md, "toThread runs worker threads").
 *
 * @module
 */

import type { TransferListItem } from "node:worker_threads";
import { show, typeError, withCode } from "../errors.js";
import type { FunctionRef } from "./protocol.js";
import { _capturedVariables } from "./free-variables.js";

const BRAND = Symbol("asyncio-ts.moduleFunction");
const CANCELLABLE = Symbol("asyncio-ts.cancellable");

/** A function exported by a module, for a worker thread to import. See {@link moduleFunction}. */
export interface ModuleFunction<F extends (...args: any[]) => unknown> {
  readonly url: string;
  readonly name: string;
  /** Type only: the function's type. */
  readonly [BRAND]?: F;
}

/**
 * Names an exported function for `toThread` to run in a worker thread, which
 * imports the module: the way to run a function that needs imports.
 *
 * @param url - The module, usually `import.meta.url` of the module that exports it.
 * @param name - The export's name.
 * @example
 * ```ts
 * // hash.ts
 * import { createHash } from "node:crypto";
 * export function sha256(text: string) { return createHash("sha256").update(text).digest("hex"); }
 * export const sha256InThread = moduleFunction<typeof sha256>(import.meta.url, "sha256");
 * // elsewhere
 * const digest = await toThread(sha256InThread, "hello");
 * ```
 */
export function moduleFunction<F extends (...args: any[]) => unknown>(
  url: string | URL,
  name: string,
): ModuleFunction<F> {
  const href = url instanceof URL ? url.href : String(url);
  if (!/^(file|data|node):/.test(href)) {
    throw typeError(`moduleFunction() expects a module URL such as import.meta.url, got ${show(url)}`);
  }
  if (typeof name !== "string" || name === "") {
    throw typeError(`moduleFunction() expects the export's name, got ${show(name)}`);
  }
  return Object.freeze({ url: href, name, [BRAND]: undefined }) as unknown as ModuleFunction<F>;
}

function isModuleFunction(value: unknown): value is ModuleFunction<(...args: any[]) => unknown> {
  return value !== null && typeof value === "object" && BRAND in value;
}

// A function's reference, made once: its source text is read and checked
// on the first call only.
const refs = new WeakMap<object, FunctionRef>();

/** @internal How a job names `fn`; throws a TypeError for what cannot run in a worker. */
export function _functionRef(fn: unknown, what: string): FunctionRef {
  if (fn !== null && (typeof fn === "function" || typeof fn === "object")) {
    const known = refs.get(fn);
    if (known !== undefined) return known;
    const ref = makeRef(fn, what);
    refs.set(fn, ref);
    return ref;
  }
  return makeRef(fn, what);
}

function makeRef(fn: unknown, what: string): FunctionRef {
  if (isModuleFunction(fn)) return { kind: "module", url: fn.url, name: fn.name };
  if (typeof fn !== "function") {
    throw typeError(`${what} expects a function, got ${show(fn)}: pass the function itself, not its result`);
  }
  const source = Function.prototype.toString.call(fn);
  const name = fn.name;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    const bound = name.startsWith("bound ");
    throw typeError(
      `${what} cannot send ${bound ? "a bound" : "a native"} function (${name || "anonymous"}) to a worker thread: ` +
        `wrap the call in a self-contained function, ${what.replace(/\(\)$/, "")}((x) => ..., x)`,
    );
  }
  if (/^class\b/.test(source)) {
    throw typeError(`${what} cannot run a class (${name}) in a worker thread: pass a function that uses it`);
  }
  const free = _capturedVariables(fn, source);
  if (free !== undefined && free.length > 0) {
    const list = free.join(", ");
    const err = new ReferenceError(
      `${what} cannot send ${name || "this function"} to a worker thread: it uses ${list} from its scope, which the ` +
        `worker does not have; pass ${free.length > 1 ? "them as arguments" : `${list} as an argument`}, or export the ` +
        `function from a module and pass moduleFunction(import.meta.url, "${name || "name"}")`,
    );
    throw withCode(err, "ERR_ASYNCIO_CAPTURED_VARIABLE");
  }
  return { kind: "source", source, name };
}

/**
 * What a function wrapped with {@link cancellable} gets as its first
 * argument, in the worker thread: an AbortSignal-like view of the caller's
 * cancellation. `aborted` reads shared memory, so a busy loop sees it at
 * once, with no event loop turn.
 */
export interface JobSignal {
  readonly aborted: boolean;
  /** Throws an AbortError once the caller cancelled. */
  throwIfAborted(): void;
  /** An AbortSignal for async APIs in the worker (fetch, timers); aborted on the next turn. */
  readonly signal: AbortSignal;
}

/** A function for toThread that observes cancellation; see {@link cancellable}. */
export interface CancellableFunction<A extends unknown[], R> {
  readonly [CANCELLABLE]: true;
  readonly fn: ((signal: JobSignal, ...args: A) => R) | ModuleFunction<(signal: JobSignal, ...args: A) => R>;
  readonly terminateAfter: number | undefined;
}

/** Options of {@link cancellable}. */
export interface CancellableOptions {
  /**
   * Seconds after a cancellation at which the worker thread is terminated if
   * the function still runs; the pool replaces it. Termination skips the
   * function's `finally` blocks. Default: never terminate.
   */
  terminateAfter?: number;
}

/**
 * Lets a function running in a worker thread see that the task awaiting it
 * was cancelled: it gets a {@link JobSignal} as its first argument, and
 * optionally is terminated `terminateAfter` seconds after the cancellation.
 * Without it, a cancelled call runs to the end and its result is dropped,
 * as in CPython.
 *
 * @example
 * ```ts
 * const count = cancellable((signal: JobSignal, n: number) => {
 *   let i = 0;
 *   while (i < n && !signal.aborted) i++;
 *   return i;
 * }, { terminateAfter: 1 });
 * const task = createTask(() => toThread(count, 1e12));
 * task.cancel(); // the loop above stops at its next check
 * ```
 */
export function cancellable<A extends unknown[], R>(
  fn: ((signal: JobSignal, ...args: A) => R) | ModuleFunction<(signal: JobSignal, ...args: A) => R>,
  options: CancellableOptions = {},
): CancellableFunction<A, R> {
  if (typeof fn !== "function" && !isModuleFunction(fn)) {
    throw typeError(`cancellable() expects a function or a moduleFunction(), got ${show(fn)}`);
  }
  const t = options.terminateAfter;
  if (t !== undefined && (typeof t !== "number" || !(t >= 0))) {
    throw typeError(`terminateAfter must be a number of seconds (0 or more), got ${show(t)}`);
  }
  return Object.freeze({ [CANCELLABLE]: true as const, fn, terminateAfter: t });
}

function isCancellable(value: unknown): value is CancellableFunction<unknown[], unknown> {
  return value !== null && typeof value === "object" && CANCELLABLE in value;
}

/** @internal How a job runs `fn`: which function, and how it is cancelled. */
export interface JobSpec {
  readonly ref: FunctionRef;
  readonly signal: boolean;
  readonly terminateAfter: number | undefined;
}

/** @internal */
export function _jobSpec(fn: unknown, what: string): JobSpec {
  if (isCancellable(fn)) {
    return { ref: _functionRef(fn.fn, what), signal: true, terminateAfter: fn.terminateAfter };
  }
  return { ref: _functionRef(fn, what), signal: false, terminateAfter: undefined };
}

const TRANSFER = Symbol("asyncio-ts.transfer");

interface TransferMarker {
  readonly [TRANSFER]: true;
  readonly value: unknown;
  readonly list: readonly TransferListItem[];
}

/**
 * Marks an argument to be moved, not copied, into the worker thread: an
 * ArrayBuffer (or a typed array with its buffer in `list`) becomes unusable
 * here and costs no copy. Typed as the value itself, so calls type-check.
 *
 * @param list - What to transfer; default `[value]`.
 * @example
 * ```ts
 * const pixels = new Uint8Array(1 << 24);
 * await toThread(blur, transfer(pixels, [pixels.buffer]), 1920);
 * ```
 */
export function transfer<T>(value: T, list?: readonly TransferListItem[]): T {
  const items = list ?? [value as unknown as TransferListItem];
  if (!Array.isArray(items)) throw typeError(`transfer() expects a list of transferables, got ${show(list)}`);
  return Object.freeze({ [TRANSFER]: true as const, value, list: items }) as unknown as T;
}

/** @internal The arguments with transfer() markers unwrapped, and what to transfer. */
export function _unwrapTransfers(args: unknown[]): { args: unknown[]; transfer: TransferListItem[] } {
  let out: unknown[] | undefined;
  const list: TransferListItem[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a !== null && typeof a === "object" && TRANSFER in a) {
      out ??= args.slice();
      out[i] = (a as TransferMarker).value;
      list.push(...(a as TransferMarker).list);
    }
  }
  return { args: out ?? args, transfer: list };
}
