/**
 * Creation sites, recorded in debug mode: where a task, coroutine, future or
 * callback was made, as the first stack frames outside asyncio-ts.
 *
 * Port of CPython 3.13 Lib/asyncio/format_helpers.py `extract_stack`, which
 * fills `_source_traceback` in debug mode.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { dirname, resolve, sep } from "node:path";

// The folders of asyncio-ts's own frames, found on first use: the folder
// holding the compiled library (dist/ or build/src/), or its TypeScript
// sources (run with tsx), and where its sources are, which stack frames show
// under source maps. None in a bundle, whose file holds the caller's code
// too: import.meta.url is then the bundle's, or undefined in a CommonJS one.
let ownFolders: string[] | undefined;

function folders(): string[] {
  if (ownFolders !== undefined) return ownFolders;
  const url = (import.meta as { url?: unknown }).url;
  if (typeof url !== "string" || !url.startsWith("file:") || !/\/debug\/origin\.[cm]?[jt]s$/.test(url))
    return (ownFolders = []);
  const libraryRoot = dirname(dirname(fileURLToPath(url)));
  ownFolders = [libraryRoot, resolve(libraryRoot, "..", "src"), resolve(libraryRoot, "..", "..", "src")].map(
    (dir) => dir + sep,
  );
  return ownFolders;
}

/** @internal Whether a stack frame (its line, or its location) is asyncio-ts's own. */
export function _isOwnFrame(frame: string): boolean {
  return folders().some((dir) => frame.includes(dir));
}

/** @internal A creation site as one line, its first frame without "at ": how reprs and reports show it. */
export function _siteLine(source: string): string {
  return source.split("\n")[0]!.trim().replace(/^at /, "");
}

/** @internal The user's stack frames at the call site, most recent first (at most `limit`). */
export function _callerSite(limit = 3): string {
  const holder: { stack?: string } = {};
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  Error.captureStackTrace(holder, _callerSite);
  Error.stackTraceLimit = saved;
  const frames = (holder.stack ?? "")
    .split("\n")
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => !_isOwnFrame(line) && !line.includes("node:internal") && !line.includes("(node:"));
  return frames.slice(0, limit).join("\n");
}
