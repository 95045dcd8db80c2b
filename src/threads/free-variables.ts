/**
 * Which variables of its scope a function uses: the check that a function
 * sent to a worker thread is self-contained, made before it is sent.
 *
 * asyncio-ts's own. No parser: V8's own scope analysis does it. The source is
 * compiled (not run) inside a scope that declares every identifier it
 * mentions; V8 then keeps in the inner function's closure exactly the ones it
 * uses as free variables, and the inspector protocol lists them. About half
 * a millisecond per distinct source, cached. When anything is unavailable
 * (no inspector), the check is skipped and the worker's ReferenceError, which
 * also names the variable, remains.
 *
 * @module
 */

import { Session } from "node:inspector";
import { runInThisContext } from "node:vm";

// Words that cannot be declared with `let`, or need not be checked.
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await async of get set arguments eval " +
    "undefined NaN Infinity __name"
  ).split(" "),
);

let session: Session | undefined;
let unavailable = false;
const cache = new Map<string, readonly string[] | undefined>();
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

interface RemoteObject {
  objectId?: string;
  description?: string;
}
interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
}

/**
 * @internal The variables of its scope that the function `source` uses (not
 * its own bindings, not globals), or undefined if they cannot be found.
 */
export function _freeVariables(source: string): readonly string[] | undefined {
  if (unavailable) return undefined;
  if (cache.has(source)) return cache.get(source);
  let free: readonly string[] | undefined;
  try {
    free = probe(source);
  } catch {
    free = undefined;
  }
  if (cache.size >= 1000) cache.clear();
  cache.set(source, free);
  return free;
}

function probe(source: string): readonly string[] | undefined {
  const names = [...new Set(source.match(/[A-Za-z_$\u00a0-\uffff][\w$\u00a0-\uffff]*/g) ?? [])].filter(
    (name) => !RESERVED.has(name) && !(name in globalThis),
  );
  if (names.length === 0) return [];
  let fn: unknown;
  const declared = `let ${names.join(", ")};`;
  try {
    fn = runInThisContext(`(function () { ${declared} return (${source}); })()`);
  } catch {
    // A method in shorthand (`m(x) { ... }`) is not an expression by itself.
    const holder = runInThisContext(`(function () { ${declared} return ({${source}}); })()`) as Record<string, unknown>;
    fn = Object.values(holder)[0];
  }
  if (typeof fn !== "function") return undefined;
  if (session === undefined) {
    try {
      session = new Session();
      session.connect();
    } catch {
      unavailable = true;
      return undefined;
    }
  }
  const g = globalThis as Record<string, unknown>;
  g[PROBE] = fn;
  try {
    const { result } = post<{ result: RemoteObject }>("Runtime.evaluate", { expression: `globalThis.${PROBE}`, objectGroup: PROBE });
    const own = post<{ internalProperties?: PropertyDescriptor[] }>("Runtime.getProperties", {
      objectId: result.objectId,
      ownProperties: true,
    });
    const scopes = own.internalProperties?.find((p) => p.name === "[[Scopes]]")?.value?.objectId;
    if (scopes === undefined) return undefined;
    const free: string[] = [];
    for (const scope of post<{ result: PropertyDescriptor[] }>("Runtime.getProperties", { objectId: scopes, ownProperties: true })
      .result) {
      if (!/^\d+$/.test(scope.name) || !scope.value?.description?.startsWith("Closure")) continue;
      for (const p of post<{ result: PropertyDescriptor[] }>("Runtime.getProperties", {
        objectId: scope.value.objectId,
        ownProperties: true,
      }).result) {
        free.push(p.name);
      }
    }
    return free;
  } finally {
    delete g[PROBE];
    try {
      post("Runtime.releaseObjectGroup", { objectGroup: PROBE });
    } catch {
      // Nothing more to release.
    }
  }
}
