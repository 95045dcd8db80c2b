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

// The folder holding the compiled library (dist/ or build/src/), and where
// its TypeScript sources are, which stack frames show under source maps.
const libraryRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const ownFolders = [libraryRoot, resolve(libraryRoot, "..", "src"), resolve(libraryRoot, "..", "..", "src")].map(
  (dir) => dir + sep,
);

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
    .filter((line) => !ownFolders.some((dir) => line.includes(dir)) && !line.includes("node:internal") && !line.includes("(node:"));
  return frames.slice(0, limit).join("\n");
}
