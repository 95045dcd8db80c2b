/**
 * `asyncio-ts ps PID` and `asyncio-ts pstree PID`: the pending tasks of a
 * running process, as a table or as a tree of who awaits whom.
 *
 * Port of CPython 3.14 Lib/asyncio/tools.py (`build_task_table`,
 * `build_async_tree` and their helpers, the table display) and of the `ps`
 * and `pstree` commands of Lib/asyncio/__main__.py. Differs:
 *
 * - The tasks come from the process itself: it must have opted in
 *   (`run(main, { inspectable: true })` or ASYNCIO_TS_INSPECT=1) and answers
 *   over its socket (debug/inspect.ts), where CPython reads the process's
 *   memory. A dump is what `get_all_awaited_by()` returns: a loop is an
 *   `AwaitedInfo`, its tasks `TaskInfo`s, a task's `stack` its one
 *   coroutine stack, each of `awaitedBy` a `CoroInfo` naming the awaiting
 *   task.
 * - Stack entries are labels ("worker()", "Lock.acquire()", "a foreign
 *   promise") without a file and line, so the table shows them whole, where
 *   tools.py keeps the function name before the first space.
 * - Task ids are the process's own numbers (1, 2, ...), shown in hex as
 *   CPython shows its tasks' addresses; `tid` is the worker_threads threadId.
 * - The await graph keeps each task's awaited tasks in the order found, where
 *   tools.py keeps them in a set.
 * - Control characters in task names and labels (ESC, newlines, any of C0
 *   and C1) are printed escaped (`\x1b`, `\n`), in the table, the CSV and
 *   the tree: they can carry text from outside the process.
 * - `ps --format csv` (as in CPython 3.15), and `--timeout`.
 *
 * @module
 */

import { connect } from "node:net";
import { lstatSync, readFileSync, readdirSync, statSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { _REQUEST, _socketDirectory, _socketName, _socketThread } from "../debug/inspect.js";
import type { LoopDump, TaskDump, TaskInfo } from "../debug/graph.js";

// ---- the port of tools.py ---------------------------------------------------

/** The await graph has a cycle: no tree can show it (tools.py's CycleFoundException). */
export class CycleFoundError extends Error {
  constructor(
    /** Each cycle's task ids, its first repeated at its end. */
    readonly cycles: number[][],
    readonly id2name: Map<number, string>,
  ) {
    super("await-graph contains cycles");
    this.name = "CycleFoundError";
  }
}

/** A row of `ps`: tid, task id, task name, coroutine stack, awaiter chain, awaiter name, awaiter id. */
export type TaskRow = [number, string, string, string, string, string, string];

/** An edge of the await graph: the awaiting task, where in it (innermost first), the awaited task. */
type Await = [parent: number, stack: string[], child: number];

function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `text` with its control characters (C0, DEL and C1: ESC, newlines, ...)
 * escaped as `\n`, `\r`, `\t` or `\xNN`, so that a task name or label,
 * which can carry text from outside the process, cannot move the cursor,
 * clear the terminal or add lines to the output.
 */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

function tasksOf(dump: TaskDump): [LoopDump, TaskInfo][] {
  return dump.loops.flatMap((loop) => loop.tasks.map((task): [LoopDump, TaskInfo] => [loop, task]));
}

// tools.py `_index`.
function index(dump: TaskDump): { id2name: Map<number, string>; awaits: Await[]; taskStacks: Map<number, string[]> } {
  const id2name = new Map<number, string>();
  const awaits: Await[] = [];
  const taskStacks = new Map<number, string[]>();
  for (const [, task] of tasksOf(dump)) {
    id2name.set(task.id, task.name);
    if (task.stack.length > 0) taskStacks.set(task.id, task.stack);
    for (const awaiter of task.awaitedBy) awaits.push([awaiter.taskId, awaiter.stack, task.id]);
  }
  return { id2name, awaits, taskStacks };
}

// A node of the tree: a task ("t" and its id) or a coroutine frame ("c" and a number).
type Node = string;
const taskNode = (id: number): Node => `t${id}`;
const isTask = (node: Node): boolean => node.startsWith("t");

// tools.py `_build_tree`.
function buildTree(
  id2name: Map<number, string>,
  awaits: Await[],
  taskStacks: Map<number, string[]>,
): { labels: Map<Node, string>; children: Map<Node, Node[]> } {
  const labels = new Map<Node, string>();
  for (const [id, name] of id2name) labels.set(taskNode(id), name);
  const children = new Map<Node, Node[]>();
  const kids = (node: Node): Node[] => {
    let list = children.get(node);
    if (list === undefined) children.set(node, (list = []));
    return list;
  };
  const corNodes = new Map<Node, Map<string, Node>>();
  let nextCorId = 1;
  const getOrCreateCorNode = (parent: Node, frame: string): Node => {
    let frames = corNodes.get(parent);
    if (frames === undefined) corNodes.set(parent, (frames = new Map()));
    const existing = frames.get(frame);
    if (existing !== undefined) return existing;
    const node = `c${nextCorId++}`;
    labels.set(node, frame);
    kids(parent).push(node);
    frames.set(frame, node);
    return node;
  };

  // The tasks, each under the frames of the task that awaits it.
  for (const [parent, stack, child] of awaits) {
    let cur = taskNode(parent);
    for (const frame of [...stack].reverse()) cur = getOrCreateCorNode(cur, frame);
    const childNode = taskNode(child);
    if (!kids(cur).includes(childNode)) kids(cur).push(childNode);
  }

  // The leaf tasks' own stacks.
  const awaitingTasks = new Set(awaits.map(([parent]) => parent));
  for (const id of id2name.keys()) {
    const stack = taskStacks.get(id);
    if (awaitingTasks.has(id) || stack === undefined) continue;
    let cur = taskNode(id);
    for (const frame of [...stack].reverse()) cur = getOrCreateCorNode(cur, frame);
  }
  return { labels, children };
}

// tools.py `_roots`.
function roots(labels: Map<Node, string>, children: Map<Node, Node[]>): Node[] {
  const allChildren = new Set([...children.values()].flat());
  return [...labels.keys()].filter((node) => !allChildren.has(node));
}

// tools.py `_task_graph`: each awaiting task's awaited tasks.
function taskGraph(awaits: Await[]): Map<number, Set<number>> {
  const graph = new Map<number, Set<number>>();
  for (const [parent, , child] of awaits) {
    let set = graph.get(parent);
    if (set === undefined) graph.set(parent, (set = new Set()));
    set.add(child);
  }
  return graph;
}

// tools.py `_find_cycles`: a depth-first search for back edges.
function findCycles(graph: Map<number, Set<number>>): number[][] {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<number, number>();
  const path: number[] = [];
  const cycles: number[][] = [];
  const dfs = (v: number): void => {
    color.set(v, GREY);
    path.push(v);
    for (const w of graph.get(v) ?? []) {
      const c = color.get(w) ?? WHITE;
      if (c === WHITE) dfs(w);
      else if (c === GREY) cycles.push([...path.slice(path.indexOf(w)), w]); // A back edge: a cycle.
    }
    color.set(v, BLACK);
    path.pop();
  };
  for (const v of [...graph.keys()]) if ((color.get(v) ?? WHITE) === WHITE) dfs(v);
  return cycles;
}

/**
 * The trees of `pstree`, one list of lines per task that no task awaits;
 * tasks marked with `taskEmoji`, coroutine frames with `corEmoji`
 * (tools.py `build_async_tree`).
 *
 * @throws {CycleFoundError} when tasks await each other in a cycle.
 */
export function buildAsyncTree(dump: TaskDump, { taskEmoji = "(T)", corEmoji = "" } = {}): string[][] {
  const { id2name, awaits, taskStacks } = index(dump);
  const cycles = findCycles(taskGraph(awaits));
  if (cycles.length > 0) throw new CycleFoundError(cycles, id2name);
  const { labels, children } = buildTree(id2name, awaits, taskStacks);

  const pretty = (node: Node): string => `${isTask(node) ? taskEmoji : corEmoji} ${printable(labels.get(node)!)}`;
  const render = (node: Node, prefix: string, last: boolean, buf: string[]): string[] => {
    buf.push(`${prefix}${last ? "└── " : "├── "}${pretty(node)}`);
    const newPrefix = prefix + (last ? "    " : "│   ");
    const kids = children.get(node) ?? [];
    kids.forEach((kid, i) => render(kid, newPrefix, i === kids.length - 1, buf));
    return buf;
  };
  return roots(labels, children).map((root) => render(root, "", true, []));
}

/** The rows of `ps`: one per task and awaiter, one for a task no task awaits (tools.py `build_task_table`). */
export function buildTaskTable(dump: TaskDump): TaskRow[] {
  const { id2name } = index(dump);
  const table: TaskRow[] = [];
  for (const [loop, task] of tasksOf(dump)) {
    const coroStack = task.stack.join(" -> ");
    if (task.awaitedBy.length === 0) {
      table.push([loop.thread, hex(task.id), task.name, coroStack, "", "", "0x0"]);
      continue;
    }
    for (const awaiter of task.awaitedBy) {
      const awaiterName = id2name.get(awaiter.taskId) ?? "Unknown";
      table.push([
        loop.thread,
        hex(task.id),
        task.name,
        coroStack,
        awaiter.stack.join(" -> "),
        awaiterName,
        hex(awaiter.taskId),
      ]);
    }
  }
  return table;
}

const HEADER = ["tid", "task id", "task name", "coroutine stack", "awaiter chain", "awaiter name", "awaiter id"];

/** The table as `ps` prints it (tools.py `_display_awaited_by_tasks_table`). */
export function formatTaskTable(table: TaskRow[]): string[] {
  const widths = [10, 20, 20, 50, 50, 15, 15];
  const line = (row: readonly (string | number)[]): string =>
    row.map((cell, i) => printable(String(cell)).padEnd(widths[i]!)).join(" ");
  return [line(HEADER), "-".repeat(180), ...table.map(line)];
}

/** The table as CSV, quoted where needed, lines ended by CRLF, as Python's csv module writes it. */
export function formatTaskCsv(table: TaskRow[]): string {
  const cell = (value: string | number): string => {
    const text = printable(String(value));
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [HEADER, ...table].map((row) => `${row.map(cell).join(",")}\r\n`).join("");
}

/** What `pstree` prints on stderr for a cycle (tools.py `_print_cycle_exception`). */
export function formatCycles(error: CycleFoundError): string[] {
  const lines = ["ERROR: await-graph contains cycles - cannot print a tree!", ""];
  for (const cycle of error.cycles)
    lines.push(`cycle: ${cycle.map((id) => printable(error.id2name.get(id) ?? hex(id))).join(" → ")}`);
  return lines;
}

// ---- reading the dump from the process --------------------------------------

/**
 * An error the command reports in one message, and its exit code (2: bad
 * arguments); `noServer` when nothing listens on the socket.
 */
export class InspectError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly noServer = false,
  ) {
    super(message);
    this.name = "InspectError";
  }
}

const HOW_TO_OPT_IN = "start it with run(main, { inspectable: true }) or ASYNCIO_TS_INSPECT=1";

/** Seconds to wait for the answer by default. */
const DEFAULT_TIMEOUT = 5;

/** The longest `--timeout`, in seconds: an hour, well under what setTimeout() accepts (2**31 - 1 ms). */
const MAX_TIMEOUT = 3600;

/**
 * The directories where process `pid`'s sockets may be, and the user they
 * must belong to: under this process's temporary directory and, where /proc
 * tells, under the target's own (its TMPDIR may differ), for the target's
 * user (this process's where /proc does not tell).
 */
function socketDirectories(pid: number): { dirs: string[]; uid: number } {
  if (process.platform === "win32") return { dirs: [_socketDirectory()], uid: 0 };
  let uid = process.getuid!();
  let tmp: string | undefined;
  try {
    // The real uid, the one the process names its directory after (process.getuid()).
    const real = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    uid = real === undefined ? statSync(`/proc/${pid}`).uid : Number(real);
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    const env = (name: string): string | undefined =>
      environ.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1) || undefined;
    // The target's os.tmpdir(): TMPDIR, TMP or TEMP without a trailing separator, else /tmp.
    tmp = (env("TMPDIR") ?? env("TMP") ?? env("TEMP") ?? "/tmp").replace(/(?<=.)\/+$/, "");
  } catch {
    // No /proc, or not this user's process: this user's directory only.
  }
  const dirs = [_socketDirectory(tmpdir(), uid)];
  if (tmp !== undefined) {
    const theirs = _socketDirectory(tmp, uid);
    if (!dirs.includes(theirs)) dirs.push(theirs);
  }
  return { dirs, uid };
}

/**
 * What makes `path` untrustworthy as process `pid`'s socket directory (when
 * `directory`) or socket, owned by `uid`: anything but a directory (a
 * symbolic link included) or a socket, another owner, or, for the
 * directory, any permission for other users, who could then put a socket of
 * their own in it. Undefined when it is as it should be.
 */
function untrusted(stat: Stats, uid: number, directory: boolean): string | undefined {
  if (stat.isSymbolicLink()) return "it is a symbolic link";
  if (directory && !stat.isDirectory()) return "it is not a directory";
  if (!directory && !stat.isSocket()) return "it is not a socket";
  if (stat.uid !== uid) return `it is owned by uid ${stat.uid}, not ${uid}`;
  const mode = stat.mode & 0o777;
  if (directory && (mode & 0o077) !== 0) return `other users can open it (mode ${mode.toString(8).padStart(4, "0")})`;
  return undefined;
}

function refusal(path: string, pid: number, uid: number, why: string, directory: boolean): InspectError {
  const only = directory
    ? `from a directory of uid ${uid} that only that user can open`
    : `over a socket of uid ${uid}`;
  return new InspectError(`refusing ${path}: ${why}; the tasks of process ${pid} are read only ${only}`);
}

/**
 * The sockets of process `pid`, main thread first: from the first of its
 * directories that holds any, and that is trustworthy, as is each socket.
 * An untrustworthy directory is refused, with why, unless a later one holds
 * the sockets.
 */
function findSockets(pid: number): { path: string; thread: number }[] {
  const { dirs, uid } = socketDirectories(pid);
  let refused: InspectError | undefined;
  for (const dir of dirs) {
    let names: string[];
    try {
      if (process.platform !== "win32") {
        const why = untrusted(lstatSync(dir), uid, true);
        if (why !== undefined) {
          refused ??= refusal(dir, pid, uid, why, true);
          continue;
        }
      }
      names = readdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      if (code === "EACCES" || code === "EPERM") {
        throw new InspectError(
          `permission denied: cannot read ${dir}, the directory of process ${pid}'s socket: run asyncio-ts as that process's user`,
        );
      }
      throw err;
    }
    const found = names
      .map((name) => ({
        path: process.platform === "win32" ? dir + name : join(dir, name),
        thread: _socketThread(name, pid),
      }))
      .filter((s): s is { path: string; thread: number } => s.thread !== undefined)
      .sort((a, b) => a.thread - b.thread);
    if (found.length === 0) continue;
    if (process.platform !== "win32") {
      for (const { path } of found) {
        let why: string | undefined;
        try {
          why = untrusted(lstatSync(path), uid, false);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
          why = undefined; // Removed since: reported as such when asked.
        }
        if (why !== undefined) throw refusal(path, pid, uid, why, false);
      }
    }
    return found;
  }
  if (refused !== undefined) throw refused;
  const path = process.platform === "win32" ? dirs[0]! + _socketName(pid, 0) : join(dirs[0]!, _socketName(pid, 0));
  throw new InspectError(`process ${pid} is not inspectable (no socket at ${path}): ${HOW_TO_OPT_IN}`);
}

/** Fails unless process `pid` runs and this user may signal it. */
function checkProcess(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ESRCH") throw new InspectError(`no process with PID ${pid}: it has exited, or never ran`);
    if (code === "EPERM") {
      throw new InspectError(`permission denied: process ${pid} belongs to another user: run asyncio-ts as that user`);
    }
    throw err;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** Whether `value` has the shape of a dump, as far as the table and tree read it. */
function isDump(value: unknown): value is TaskDump {
  const dump = value as TaskDump;
  return (
    typeof dump === "object" &&
    dump !== null &&
    Array.isArray(dump.loops) &&
    dump.loops.every(
      (loop) =>
        typeof loop?.thread === "number" &&
        Array.isArray(loop.tasks) &&
        loop.tasks.every(
          (task) =>
            typeof task?.id === "number" &&
            typeof task.name === "string" &&
            isStringArray(task.stack) &&
            Array.isArray(task.awaitedBy) &&
            task.awaitedBy.every((awaiter) => typeof awaiter?.taskId === "number" && isStringArray(awaiter.stack)),
        ),
    )
  );
}

/** Asks one socket for its dump. */
function request(path: string, who: string, timeout: number): Promise<TaskDump> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let received = "";
    let settled = false;
    const finish = (error: InspectError | undefined, dump?: TaskDump): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(dump!);
      else reject(error);
    };
    const timer = setTimeout(() => {
      finish(
        new InspectError(
          `${who} did not answer within ${timeout} s: its event loop thread is blocked (busy in synchronous code), ` +
            `so it cannot serve the request; try again later, or wait longer with --timeout SECONDS`,
        ),
      );
    }, timeout * 1000);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${_REQUEST}\n`));
    socket.on("data", (chunk: string) => {
      received += chunk;
      const end = received.indexOf("\n");
      if (end !== -1) finish(...parse(received.slice(0, end)));
    });
    socket.on("end", () => finish(new InspectError(`${who} closed the connection without answering`)));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      switch (err.code) {
        case "ENOENT":
          finish(
            new InspectError(`${who} is not inspectable any more (no socket at ${path}): its loop closed`, 1, true),
          );
          break;
        case "ECONNREFUSED":
          finish(
            new InspectError(
              `${who} does not accept connections on ${path}: the socket was left by an earlier process with this ` +
                `PID, or the process is exiting`,
              1,
              true,
            ),
          );
          break;
        case "EACCES":
        case "EPERM":
          finish(new InspectError(`permission denied: cannot open ${path}: run asyncio-ts as the user of ${who}`));
          break;
        default:
          finish(new InspectError(`cannot read the tasks of ${who} from ${path}: ${err.message}`));
      }
    });
    const parse = (line: string): [InspectError | undefined, TaskDump?] => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return [new InspectError(`${who} answered with something other than JSON on ${path}`)];
      }
      const error = (value as { error?: unknown } | null)?.error;
      if (typeof error === "string") return [new InspectError(`${who} refused the request: ${error}`)];
      if (!isDump(value)) {
        return [
          new InspectError(`${who} answered with something other than a task dump (another asyncio-ts version?)`),
        ];
      }
      return [undefined, value];
    };
  });
}

/**
 * The dumps of process `pid`, one per thread that serves one, main thread
 * first. Each thread numbers its tasks on its own, so the table and the tree
 * are made of each dump apart (a task awaits only tasks of its own thread).
 */
export async function fetchDumps(pid: number, timeout = DEFAULT_TIMEOUT): Promise<TaskDump[]> {
  checkProcess(pid);
  const dumps: TaskDump[] = [];
  for (const { path, thread } of findSockets(pid)) {
    try {
      dumps.push(await request(path, thread === 0 ? `process ${pid}` : `thread ${thread} of process ${pid}`, timeout));
    } catch (err) {
      // A worker thread's socket with no server: the thread ended, or the
      // process exited before the thread could remove it.
      if (!(err instanceof InspectError && err.noServer && thread !== 0)) throw err;
    }
  }
  if (dumps.length === 0) throw new InspectError(`process ${pid} is not inspectable now: ${HOW_TO_OPT_IN}`);
  return dumps;
}

// ---- the commands -----------------------------------------------------------

interface Parsed {
  pid: number;
  format: "table" | "csv";
  timeout: number;
}

function help(command: "ps" | "pstree"): string {
  const lines =
    command === "ps"
      ? [
          "usage: asyncio-ts ps [--format table|csv] [--timeout SECONDS] PID",
          "",
          "Display a table of all pending tasks in a process: one row per task and",
          "task awaiting it, with the coroutine stack of each.",
        ]
      : [
          "usage: asyncio-ts pstree [--timeout SECONDS] PID",
          "",
          "Display a tree of all pending tasks in a process: each task under the",
          "coroutine frames of the task awaiting it.",
        ];
  lines.push(
    "",
    "The process must be inspectable: started with run(main, { inspectable: true }),",
    "or with the environment variable ASYNCIO_TS_INSPECT=1. It answers over a Unix",
    "socket that only its user can open, so run this as the same user.",
    "",
    "arguments:",
    "  PID                  process ID to inspect",
    "",
    "options:",
  );
  if (command === "ps") lines.push("  --format table|csv   output format (default: table)");
  lines.push(
    `  --timeout SECONDS    how long to wait for the process to answer (default: ${DEFAULT_TIMEOUT}, ` +
      `at most ${MAX_TIMEOUT})`,
    "  -h, --help           show this help",
  );
  return lines.join("\n");
}

/** The arguments, or the exit code when there is nothing more to do. */
function parseArgs(command: "ps" | "pstree", args: string[]): Parsed | number {
  const usage = (message: string): InspectError =>
    new InspectError(`${message}\n${help(command).split("\n")[0]}\n(asyncio-ts ${command} --help for help)`, 2);
  let pid: number | undefined;
  let format: "table" | "csv" = "table";
  let timeout = DEFAULT_TIMEOUT;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-h" || arg === "--help") {
      console.log(help(command));
      return 0;
    }
    const option = /^(--format|--timeout)(?:=(.*))?$/.exec(arg);
    if (option !== null && (command === "ps" || option[1] === "--timeout")) {
      const value = option[2] ?? args[++i];
      if (value === undefined) throw usage(`${option[1]} needs a value`);
      if (option[1] === "--format") {
        if (value !== "table" && value !== "csv") {
          throw usage(`invalid --format ${JSON.stringify(value)}: expected table or csv`);
        }
        format = value;
      } else {
        timeout = Number(value);
        if (value.trim() === "" || !Number.isFinite(timeout) || timeout <= 0) {
          throw usage(`invalid --timeout ${JSON.stringify(value)}: expected a positive number of seconds`);
        }
        if (timeout > MAX_TIMEOUT) {
          throw usage(`invalid --timeout ${JSON.stringify(value)}: expected at most ${MAX_TIMEOUT} seconds`);
        }
      }
    } else if (arg.startsWith("-") && !/^-\d/.test(arg)) {
      throw usage(`unknown option ${JSON.stringify(arg)}`);
    } else if (pid !== undefined) {
      throw usage(`unexpected argument ${JSON.stringify(arg)}: give one PID`);
    } else {
      pid = Number(arg);
      if (!/^[0-9]+$/.test(arg) || !Number.isSafeInteger(pid) || pid <= 0) {
        throw usage(`invalid PID ${JSON.stringify(arg)}: expected a process ID, a positive integer`);
      }
    }
  }
  if (pid === undefined) throw usage("missing PID");
  return { pid, format, timeout };
}

async function runCommand(command: "ps" | "pstree", args: string[]): Promise<number> {
  try {
    const parsed = parseArgs(command, args);
    if (typeof parsed === "number") return parsed;
    const dumps = await fetchDumps(parsed.pid, parsed.timeout);
    if (command === "ps") {
      const table = dumps.flatMap(buildTaskTable);
      if (parsed.format === "csv") process.stdout.write(formatTaskCsv(table));
      else console.log(formatTaskTable(table).join("\n"));
      return 0;
    }
    let trees: string[][];
    try {
      trees = dumps.flatMap((dump) => buildAsyncTree(dump));
    } catch (err) {
      if (!(err instanceof CycleFoundError)) throw err;
      console.error(formatCycles(err).join("\n"));
      return 1;
    }
    for (const tree of trees) console.log(tree.join("\n"));
    return 0;
  } catch (err) {
    if (!(err instanceof InspectError)) throw err;
    console.error(`asyncio-ts ${command}: ${err.message}`);
    return err.exitCode;
  }
}

/** `asyncio-ts ps [--format table|csv] [--timeout SECONDS] PID` */
export function ps(args: string[]): Promise<number> {
  return runCommand("ps", args);
}

/** `asyncio-ts pstree [--timeout SECONDS] PID` */
export function pstree(args: string[]): Promise<number> {
  return runCommand("pstree", args);
}
