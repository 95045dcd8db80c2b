/**
 * The inspection socket: a process that opted in, with
 * `run(main, { inspectable: true })` or the environment variable
 * ASYNCIO_TS_INSPECT, answers `asyncio-ts ps PID` and `asyncio-ts pstree PID`
 * with the task dump of its inspectable loops (debug/graph.ts).
 *
 * asyncio-ts's own. CPython 3.14's `python -m asyncio ps` reads the target's
 * memory from outside (Lib/asyncio/tools.py through `_remote_debugging`); a
 * Node process cannot be read so, so the process answers itself. On Unix,
 * over a channel only its user (and root) can open: a Unix socket
 * `<pid>.sock` (a worker thread's: `<pid>.<threadId>.sock`), mode 0600, in
 * the directory `<tmpdir>/asyncio-ts-<uid>/`, mode 0700 and owned by the
 * user, which is refused otherwise. On Windows, over the named pipe
 * `\\.\pipe\asyncio-ts-<pid>`, made with the default security of Node's
 * named pipes: nothing restricts it to the process's user.
 *
 * The protocol: the client sends one line, `dump`; the server answers one
 * line of JSON, the dump, or `{"error": "..."}` for anything else, and closes
 * the connection. Nothing else goes over it.
 *
 * The server listens from when the first inspectable loop of the thread
 * starts running until the last one closes; it never keeps the process
 * alive. Its socket file is removed when it closes, and when the process
 * exits normally (the program ends, process.exit(), a signal handler that
 * exits) with a loop still open. A process killed by a signal it has no
 * handler for (SIGKILL, or SIGTERM and the like without one) leaves its
 * socket behind: the client reports that nothing accepts connections on it,
 * or passes it over for a worker thread, and the next server at the same
 * path removes it first.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import { chmodSync, lstatSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { threadId } from "node:worker_threads";
import type { EventLoop } from "../loop/event-loop.js";
import { _dumpTasks } from "./graph.js";

/** @internal The one request. */
export const _REQUEST = "dump";

/** The longest request line the server reads before it answers with an error. */
const MAX_REQUEST = 256;

/** Milliseconds a connection may take to send its request before the server drops it. */
const REQUEST_TIMEOUT = 10_000;

/** @internal Whether ASYNCIO_TS_INSPECT asks for it: any non-empty value, as for ASYNCIO_TS_DEBUG. */
export function _inspectFromEnvironment(): boolean {
  return Boolean(process.env["ASYNCIO_TS_INSPECT"]);
}

/**
 * @internal Where the sockets of user `uid`'s processes are: the per-user
 * directory under `tmp` (by default this process's temporary directory and
 * user), or Windows's named-pipe namespace.
 */
export function _socketDirectory(tmp: string = tmpdir(), uid?: number): string {
  if (process.platform === "win32") return "\\\\.\\pipe\\";
  return join(tmp, `asyncio-ts-${uid ?? process.getuid!()}`);
}

/** @internal The socket's name in its directory: `<pid>.sock` for the main thread, `<pid>.<threadId>.sock` for a worker. */
export function _socketName(pid: number, thread: number): string {
  const base = thread === 0 ? `${pid}` : `${pid}.${thread}`;
  return process.platform === "win32" ? `asyncio-ts-${base}` : `${base}.sock`;
}

/** @internal The thread whose socket `name` is, if it is one of process `pid`'s (0: the main thread). */
export function _socketThread(name: string, pid: number): number | undefined {
  const match =
    process.platform === "win32" ? /^asyncio-ts-(\d+)(?:\.(\d+))?$/.exec(name) : /^(\d+)(?:\.(\d+))?\.sock$/.exec(name);
  if (match === null || Number(match[1]) !== pid) return undefined;
  return match[2] === undefined ? 0 : Number(match[2]);
}

/**
 * @internal Makes the per-user directory, mode 0700, unless it exists; throws
 * if it is not a directory of this user that only this user can open, as
 * another user could then replace or read the sockets.
 */
export function _privateDirectory(dir: string): void {
  let made = true;
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    made = false;
  }
  if (made) chmodSync(dir, 0o700); // Whatever the umask.
  const stat = lstatSync(dir);
  const uid = process.getuid!();
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (stat.uid !== uid) throw new Error(`${dir} belongs to user ${stat.uid}, not to this process's user ${uid}`);
  if ((stat.mode & 0o077) !== 0) {
    throw new Error(
      `${dir} can be opened by other users (mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}): ` +
        `it must be 0700 (chmod 700 ${dir}, or remove it)`,
    );
  }
}

// This thread's inspectable loops, and the server while there are any.
const loops = new Set<EventLoop>();
let server: Server | undefined;
let serverPath: string | undefined;

/**
 * @internal An inspectable loop starts running: the server starts with the
 * first, and each loop that comes later tries again while the server could
 * not start (each failure warns once).
 */
export function _inspectLoop(loop: EventLoop): void {
  if (loops.has(loop)) return;
  loops.add(loop);
  if (server === undefined) start();
}

/** @internal A loop closed: the server stops with the last inspectable one. */
export function _uninspectLoop(loop: EventLoop): void {
  if (!loops.delete(loop)) return;
  if (loops.size === 0) stop();
}

function warn(message: string): void {
  process.emitWarning(`asyncio-ts: this process is not inspectable: ${message}`, {
    code: "ASYNCIO_TS_NOT_INSPECTABLE",
  });
}

function start(): void {
  const dir = _socketDirectory();
  const name = _socketName(process.pid, threadId);
  const path = process.platform === "win32" ? dir + name : join(dir, name);
  if (process.platform !== "win32") {
    try {
      _privateDirectory(dir);
      // Left by an earlier process with this pid that did not exit cleanly.
      rmSync(path, { force: true });
    } catch (err) {
      warn((err as Error).message);
      return;
    }
  }
  const srv = createServer(answer);
  server = srv;
  serverPath = path;
  srv.on("error", (err) => {
    if (server !== srv) return;
    warn(`cannot listen on ${path}: ${err.message}`);
    stop();
  });
  srv.listen(path, () => {
    if (server !== srv || process.platform === "win32") return;
    try {
      chmodSync(path, 0o600);
    } catch (err) {
      warn(`cannot restrict ${path} to its user: ${(err as Error).message}`);
      stop();
    }
  });
  srv.unref();
  process.on("exit", removeSocket);
}

function stop(): void {
  const srv = server;
  if (srv === undefined) return;
  server = undefined;
  process.off("exit", removeSocket);
  srv.close();
  removeSocket();
}

/**
 * Removes the socket file (closing the server does too; this covers a
 * process that exits with the server open, though not one killed by a
 * signal, which runs no code).
 */
function removeSocket(): void {
  const path = serverPath;
  serverPath = undefined;
  if (path === undefined || process.platform === "win32") return;
  try {
    rmSync(path, { force: true });
  } catch {
    // Gone already, or the directory is: nothing to remove.
  }
}

/** Serves one connection: reads the request line, answers one JSON line, closes. */
function answer(socket: Socket): void {
  socket.unref();
  socket.setTimeout(REQUEST_TIMEOUT, () => socket.destroy());
  socket.on("error", () => {
    // The client went away: nothing to tell it.
  });
  let received = "";
  const onData = (chunk: Buffer): void => {
    received += chunk.toString("latin1");
    const end = received.indexOf("\n");
    if (end === -1 && received.length <= MAX_REQUEST) return;
    socket.off("data", onData);
    const line = end === -1 ? undefined : received.slice(0, end).replace(/\r$/, "");
    let reply: unknown;
    if (line === undefined || line.length > MAX_REQUEST) {
      reply = { error: `request too long: send ${JSON.stringify(_REQUEST + "\n")}` };
    } else if (line !== _REQUEST) {
      reply = { error: `unknown request ${JSON.stringify(line)}: the only request is ${JSON.stringify(_REQUEST)}` };
    } else {
      try {
        reply = _dumpTasks([...loops].filter((loop) => !loop.isClosed()));
      } catch (err) {
        reply = { error: `the task dump failed: ${String(err)}` };
      }
    }
    socket.end(`${JSON.stringify(reply)}\n`);
  };
  socket.on("data", onData);
}
