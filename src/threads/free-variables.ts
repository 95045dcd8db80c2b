/**
 * Which variables of its caller's scopes a function uses: the check that a
 * function sent to a worker thread is self-contained, made before it is sent.
 *
 * asyncio-ts's own. No parser: V8's own scope analysis does it, in two steps.
 *
 * 1. The function's free names, per distinct source: the source is compiled
 *    (not run) inside a scope that declares every identifier it mentions
 *    (except the caller's globals); V8 keeps in the inner function's closure
 *    exactly the ones it uses as free variables (property keys and labels are
 *    not variables; `typeof x` and `{ x }` are), and the inspector protocol
 *    lists them. About half a millisecond per distinct source, cached.
 * 2. Only when there are any: which of them the function itself finds in a
 *    scope of its caller. The inspector lists the function's [[Scopes]]
 *    (closure, block, catch, module and script scopes, imports included); a
 *    free name that none of them binds is a global lookup, which the worker
 *    makes as well (`typeof window`), or which fails there with a
 *    ReferenceError naming it. Cached per function location.
 *
 * A function that uses only its parameters, its own bindings and globals
 * costs one Map lookup after the first call with its source. When anything
 * is unavailable (no inspector), the check is skipped and the worker's
 * ReferenceError, which also names the variable, remains.
 *
 * @module
 */

import type { Session } from "node:inspector";

// Words that cannot be declared with `let`, or need not be checked.
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await async of get set arguments eval " +
    "undefined NaN Infinity __name"
  ).split(" "),
);

/**
 * @internal The name a bundler gave its keep-names helper: esbuild
 * (keepNames) wraps named functions in `__name(fn, "name")`, and renames the
 * helper when it minifies. Worker threads define it as a global, so a
 * function that uses it captures nothing.
 */
export function _nameHelper(): string {
  const probe = (): (() => number) => {
    const named = (): number => 0;
    return named;
  };
  return /([\w$]+)\(\s*\(\)\s*=>\s*0\s*,\s*["']named["']\s*\)/.exec(probe.toString())?.[1] ?? "__name";
}
const NAME_HELPER = _nameHelper();

let session: Session | undefined;
let unavailable = false;
// Per source: its free names that are not the caller's globals.
const freeBySource = new Map<string, readonly string[] | undefined>();
// Per function location (script, line, column): the free names its caller's scopes bind.
const capturedByLocation = new Map<string, readonly string[]>();
const PROBE = "__asyncioTsFreeVariablesProbe";

function post<T>(method: string, params: object): T {
  let result: T | undefined;
  let error: Error | null = null;
  session!.post(method, params, (err, res) => {
    error = err;
    result = res as T;
  });
  if (error !== null) throw error;
  if (result === undefined) throw new Error(`inspector ${method} did not answer synchronously`);
  return result;
}

function connect(): boolean {
  if (session !== undefined) return true;
  try {
    session = new (process.getBuiltinModule("node:inspector").Session)();
    session.connect();
    return true;
  } catch {
    session = undefined;
    unavailable = true;
    return false;
  }
}

interface RemoteObject {
  objectId?: string;
  description?: string;
  value?: unknown;
}
interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
}
interface FunctionLocation {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= 1000) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * @internal The variables that `fn` (whose source is `source`) uses from its
 * caller's scopes: bound in a closure, block, catch, module or script scope
 * around it, imports included; not its own bindings, not globals. Undefined
 * if they cannot be found.
 */
export function _capturedVariables(fn: Function, source: string): readonly string[] | undefined {
  if (unavailable) return undefined;
  let free: readonly string[] | undefined;
  if (freeBySource.has(source)) {
    free = freeBySource.get(source);
  } else {
    try {
      free = freeNames(source);
    } catch {
      free = undefined;
    }
    remember(freeBySource, source, free);
  }
  if (free === undefined || free.length === 0) return free;
  try {
    return captured(fn, free);
  } catch {
    return undefined;
  }
}

/** Evaluates to an inspector handle on `value`, released with the PROBE object group. */
function handle(value: unknown): string | undefined {
  const g = globalThis as Record<string, unknown>;
  g[PROBE] = value;
  try {
    return post<{ result: RemoteObject }>("Runtime.evaluate", { expression: `globalThis.${PROBE}`, objectGroup: PROBE })
      .result.objectId;
  } finally {
    delete g[PROBE];
  }
}

function release(): void {
  try {
    post("Runtime.releaseObjectGroup", { objectGroup: PROBE });
  } catch {
    // Nothing more to release.
  }
}

function properties(objectId: string | undefined): PropertyDescriptor[] {
  return post<{ result: PropertyDescriptor[] }>("Runtime.getProperties", { objectId, ownProperties: true }).result;
}

function internalProperties(objectId: string | undefined): PropertyDescriptor[] {
  return (
    post<{ internalProperties?: PropertyDescriptor[] }>("Runtime.getProperties", { objectId, ownProperties: true })
      .internalProperties ?? []
  );
}

// The names that the function compiled from `source` uses without binding
// them itself, except the caller's globals (most functions use only globals:
// they need no second step).
function freeNames(source: string): readonly string[] | undefined {
  const names = [...new Set(source.match(/[A-Za-z_$\u00a0-\uffff][\w$\u00a0-\uffff]*/g) ?? [])].filter(
    (name) => !RESERVED.has(name) && name !== NAME_HELPER && !(name in globalThis),
  );
  if (names.length === 0) return [];
  let fn: unknown;
  const declared = `let ${names.join(", ")};`;
  try {
    fn = process.getBuiltinModule("node:vm").runInThisContext(`(function () { ${declared} return (${source}); })()`);
  } catch {
    // A method in shorthand (`m(x) { ... }`) is not an expression by itself.
    const holder = process
      .getBuiltinModule("node:vm")
      .runInThisContext(`(function () { ${declared} return ({${source}}); })()`) as Record<string, unknown>;
    fn = Object.values(holder)[0];
  }
  if (typeof fn !== "function" || !connect()) return undefined;
  try {
    const scopes = internalProperties(handle(fn)).find((p) => p.name === "[[Scopes]]")?.value?.objectId;
    if (scopes === undefined) return undefined;
    const free: string[] = [];
    for (const scope of properties(scopes)) {
      if (!/^\d+$/.test(scope.name) || !scope.value?.description?.startsWith("Closure")) continue;
      for (const p of properties(scope.value.objectId)) free.push(p.name);
    }
    return free;
  } finally {
    release();
  }
}

// Which of `free` the function finds in its caller's scopes, innermost first;
// the global scope (the global object) is not the caller's.
function captured(fn: Function, free: readonly string[]): readonly string[] | undefined {
  if (!connect()) return undefined;
  try {
    const internal = internalProperties(handle(fn));
    const at = internal.find((p) => p.name === "[[FunctionLocation]]")?.value?.value as FunctionLocation | undefined;
    const key = at === undefined ? undefined : `${at.scriptId}:${at.lineNumber}:${at.columnNumber}`;
    if (key !== undefined && capturedByLocation.has(key)) return capturedByLocation.get(key);
    const scopes = internal.find((p) => p.name === "[[Scopes]]")?.value?.objectId;
    if (scopes === undefined) return undefined;
    const wanted = new Set(free);
    const bound = new Set<string>();
    for (const scope of properties(scopes)) {
      if (bound.size === wanted.size) break;
      const kind = scope.value?.description;
      if (!/^\d+$/.test(scope.name) || kind === undefined || kind.startsWith("Global")) continue;
      for (const p of properties(scope.value!.objectId)) if (wanted.has(p.name)) bound.add(p.name);
    }
    const result = free.filter((name) => bound.has(name));
    return key === undefined ? result : remember(capturedByLocation, key, result);
  } finally {
    release();
  }
}
