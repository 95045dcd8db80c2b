/**
 * `asyncio-ts ps` and `asyncio-ts pstree` against real processes: a fixture
 * (test/fixtures/inspect-hang.mjs) that hangs on a Lock runs as a child, and
 * the command runs as another process, `node dist/cli.js`, both on the Node
 * under test. Each test gives its processes a temporary directory of its
 * own (TMPDIR), so the two Node runs of the suite, and the tests, never share
 * a socket directory. Nothing waits for a time: the tests wait for the
 * fixture's "ready" line, or for a process to exit.
 */
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The repository root: this file runs as build/test/cli/inspect.test.js.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixture = join(root, "test/fixtures/inspect-hang.mjs");
const workerFixture = join(root, "test/fixtures/inspect-worker.mjs");
const cliPath = join(root, "dist/cli.js");
const uid = process.getuid?.() ?? 0;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A process started with the Node under test, killed at the end of the test if still running. */
interface Child {
  pid: number;
  /** Resolves once a line starting with `prefix` was printed; rejects if the child exits first. */
  line(prefix: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<Exit>;
}

function start(t: TestContext, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ASYNCIO_TS_INSPECT: "", ...env },
  });
  // A safety net only: a hung child is killed so the test fails instead of
  // hanging. No assertion depends on time.
  const safety = setTimeout(() => child.kill("SIGKILL"), 30_000);
  t.after(() => {
    clearTimeout(safety);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  const waiters: { prefix: string; resolve: () => void }[] = [];
  const has = (prefix: string): boolean =>
    stdout
      .split("\n")
      .slice(0, -1)
      .some((line) => line.startsWith(prefix));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const w of [...waiters]) {
      if (has(w.prefix)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = once(child, "close").then(() => {
    clearTimeout(safety);
    return { code: child.exitCode, signal: child.signalCode, stdout, stderr };
  });
  return {
    pid: child.pid!,
    line: (prefix) =>
      has(prefix)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ prefix, resolve })),
            exited.then((exit) => {
              throw new Error(`exited before printing ${JSON.stringify(prefix)}: ${JSON.stringify(exit)}`);
            }),
          ]),
    kill: (signal) => child.kill(signal),
    exited,
  };
}

/** A temporary directory for the test's processes, removed at its end. */
function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-inspect-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the fixture in `mode` with TMPDIR `tmp`, and waits until it is ready. */
async function hang(
  t: TestContext,
  tmp: string,
  mode = "inspectable",
  env: Record<string, string> = {},
): Promise<Child> {
  const child = start(t, [fixture, mode], { TMPDIR: tmp, ...env });
  await child.line("ready");
  return child;
}

/** Runs `node dist/cli.js ...args` with TMPDIR `tmp` and waits for it to exit. */
function cli(t: TestContext, tmp: string, ...args: string[]): Promise<Exit> {
  return start(t, [cliPath, ...args], { TMPDIR: tmp }).exited;
}

const socketDir = (tmp: string): string => join(tmp, `asyncio-ts-${uid}`);
const socketPath = (tmp: string, pid: number): string => join(socketDir(tmp), `${pid}.sock`);
const mode = (path: string): number => statSync(path).mode & 0o777;

/** Sends `request` over the socket at `path` and resolves to all it got back. */
async function ask(path: string, request: string): Promise<string> {
  const socket = connect(path);
  socket.setEncoding("utf8");
  let reply = "";
  socket.on("data", (chunk: string) => (reply += chunk));
  await once(socket, "connect");
  socket.write(request);
  await once(socket, "close");
  return reply;
}

/**
 * Listens on `path` as an impostor would, answering any connection with an
 * empty dump of process `pid`; closed at the end of the test.
 */
async function impostor(t: TestContext, path: string, pid: number): Promise<void> {
  const server = createServer((socket) => socket.end(`${JSON.stringify({ pid, node: process.version, loops: [] })}\n`));
  server.listen(path);
  await once(server, "listening");
  t.after(() => server.close());
}

/** Leaves a socket at `path` that nothing listens on: its process was killed (SIGKILL) while listening. */
async function staleSocket(t: TestContext, path: string): Promise<void> {
  const code = 'require("node:net").createServer().listen(process.argv[1], () => process.kill(process.pid, "SIGKILL"))';
  const { signal } = await start(t, ["-e", code, path], {}).exited;
  assert.equal(signal, "SIGKILL");
  assert.ok(lstatSync(path).isSocket());
}

const notInspectable = (pid: number, tmp: string): string =>
  `process ${pid} is not inspectable (no socket at ${socketPath(tmp, pid)}): ` +
  "start it with run(main, { inspectable: true }) or ASYNCIO_TS_INSPECT=1";

describe("asyncio-ts ps and pstree", { skip: process.platform === "win32" && "Unix sockets" }, () => {
  it("serve over a socket of mode 0600 in a directory of mode 0700, removed when run() closes the loop", async (t) => {
    const tmp = tempDir(t);
    const child = await hang(t, tmp);
    assert.equal(mode(socketDir(tmp)), 0o700);
    assert.equal(mode(socketPath(tmp, child.pid)), 0o600);
    assert.ok(statSync(socketPath(tmp, child.pid)).isSocket());

    // The hang: worker-1 holds the Lock and sleeps, worker-2 waits for it.
    const pstree = await cli(t, tmp, "pstree", String(child.pid));
    assert.equal(pstree.code, 0, pstree.stderr);
    assert.equal(
      pstree.stdout,
      [
        "└── (T) Task-1",
        "    └──  main()",
        "        └──  taskGroup()",
        "            ├── (T) worker-1",
        "            │   └──  worker()",
        "            │       └──  sleep()",
        "            └── (T) worker-2",
        "                └──  worker()",
        "                    └──  Lock.acquire()",
        "",
      ].join("\n"),
    );
    const ps = await cli(t, tmp, "ps", String(child.pid));
    assert.equal(ps.code, 0, ps.stderr);
    const row = (...cells: string[]): string =>
      cells.map((cell, i) => cell.padEnd([10, 20, 20, 50, 50, 15, 15][i]!)).join(" ");
    assert.equal(
      ps.stdout,
      [
        row("tid", "task id", "task name", "coroutine stack", "awaiter chain", "awaiter name", "awaiter id"),
        "-".repeat(180),
        row("0", "0x1", "Task-1", "taskGroup() -> main()", "", "", "0x0"),
        row("0", "0x2", "worker-1", "sleep() -> worker()", "taskGroup() -> main()", "Task-1", "0x1"),
        row("0", "0x3", "worker-2", "Lock.acquire() -> worker()", "taskGroup() -> main()", "Task-1", "0x1"),
        "",
      ].join("\n"),
    );

    // SIGINT: run() cancels main and closes the loop, which closes the socket.
    child.kill("SIGINT");
    const { code, stdout } = await child.exited;
    assert.equal(code, 130);
    assert.match(stdout, /^after run\(\): socket gone$/m);
    assert.equal(existsSync(socketPath(tmp, child.pid)), false, "the socket is left behind");
  });

  it("remove the socket when the process exits with the loop open", async (t) => {
    const tmp = tempDir(t);
    const child = await hang(t, tmp);
    assert.ok(existsSync(socketPath(tmp, child.pid)));
    child.kill("SIGTERM"); // The fixture calls process.exit(0).
    assert.equal((await child.exited).code, 0);
    assert.equal(existsSync(socketPath(tmp, child.pid)), false, "the socket is left behind");
  });

  it("never keep the process alive: a Runner left open lets it exit", async (t) => {
    const tmp = tempDir(t);
    const child = start(t, [fixture, "runner"], { TMPDIR: tmp });
    const { code, signal, stdout, stderr } = await child.exited;
    assert.equal(signal, null, "killed by the safety net: the server kept the process alive");
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout, `ready ${child.pid}\nsocket\n`);
    assert.equal(existsSync(socketPath(tmp, child.pid)), false, "the socket is left behind");
  });

  it("answer a process that did not opt in with how to opt in", async (t) => {
    const tmp = tempDir(t);
    const child = await hang(t, tmp, "env");
    assert.equal(existsSync(socketPath(tmp, child.pid)), false);
    for (const command of ["ps", "pstree"]) {
      const { code, stdout, stderr } = await cli(t, tmp, command, String(child.pid));
      assert.equal(code, 1);
      assert.equal(stdout, "");
      assert.equal(stderr, `asyncio-ts ${command}: ${notInspectable(child.pid, tmp)}\n`);
    }
  });

  it("ASYNCIO_TS_INSPECT makes it inspectable, and the run option wins over it", async (t) => {
    const tmp = tempDir(t);
    const byEnv = await hang(t, tmp, "env", { ASYNCIO_TS_INSPECT: "1" });
    const refused = await hang(t, tmp, "off", { ASYNCIO_TS_INSPECT: "1" });
    assert.ok(existsSync(socketPath(tmp, byEnv.pid)));
    assert.equal(existsSync(socketPath(tmp, refused.pid)), false);
    assert.equal((await cli(t, tmp, "pstree", String(byEnv.pid))).code, 0);
    assert.equal(
      (await cli(t, tmp, "pstree", String(refused.pid))).stderr,
      `asyncio-ts pstree: ${notInspectable(refused.pid, tmp)}\n`,
    );
  });

  it("say so when the process does not answer: its thread is blocked", async (t) => {
    const tmp = tempDir(t);
    const child = await hang(t, tmp, "block");
    const { code, stderr } = await cli(t, tmp, "ps", "--timeout", "0.2", String(child.pid));
    assert.equal(code, 1);
    assert.equal(
      stderr,
      `asyncio-ts ps: process ${child.pid} did not answer within 0.2 s: its event loop thread is blocked ` +
        "(busy in synchronous code), so it cannot serve the request; try again later, or wait longer with " +
        "--timeout SECONDS\n",
    );
  });

  it("say so for a process that is not running", async (t) => {
    const tmp = tempDir(t);
    const gone = start(t, ["-e", ""], {});
    await gone.exited;
    const { code, stderr } = await cli(t, tmp, "pstree", String(gone.pid));
    assert.equal(code, 1);
    assert.equal(stderr, `asyncio-ts pstree: no process with PID ${gone.pid}: it has exited, or never ran\n`);
  });

  it("refuse bad arguments with exit code 2, and print help with --help", async (t) => {
    const tmp = tempDir(t);
    const cases: [string[], string][] = [
      [["ps"], "missing PID"],
      [["ps", "abc"], 'invalid PID "abc": expected a process ID, a positive integer'],
      [["pstree", "0"], 'invalid PID "0": expected a process ID, a positive integer'],
      [["pstree", "12x"], 'invalid PID "12x": expected a process ID, a positive integer'],
      [["ps", "-5"], 'invalid PID "-5": expected a process ID, a positive integer'],
      [["ps", "--pid", "5"], 'unknown option "--pid"'],
      [["ps", "1", "2"], 'unexpected argument "2": give one PID'],
      [["ps", "--format", "xml", "1"], 'invalid --format "xml": expected table or csv'],
      [["pstree", "--format", "csv", "1"], 'unknown option "--format"'],
      [["ps", "--timeout", "0", "1"], 'invalid --timeout "0": expected a positive number of seconds'],
      [["ps", "--timeout"], "--timeout needs a value"],
      [["ps", "--timeout", "3600.5", "1"], 'invalid --timeout "3600.5": expected at most 3600 seconds'],
      [["pstree", "--timeout=1e7", "1"], 'invalid --timeout "1e7": expected at most 3600 seconds'],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await cli(t, tmp, ...args);
      assert.equal(code, 2, args.join(" "));
      assert.equal(stdout, "");
      assert.equal(stderr.split("\n")[0], `asyncio-ts ${args[0]}: ${message}`);
    }
    for (const command of ["ps", "pstree"]) {
      const { code, stdout } = await cli(t, tmp, command, "--help");
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`^usage: asyncio-ts ${command} .*PID\n`));
      assert.match(stdout, /run\(main, \{ inspectable: true \}\)/);
    }
    const { stdout } = await cli(t, tmp, "--help");
    assert.match(stdout, /^ {2}ps \[--format table\|csv\] PID +display a table of all pending tasks in a process$/m);
    assert.match(stdout, /^ {2}pstree PID +display a tree of all pending tasks in a process$/m);
  });

  it("ps --format csv writes a header and a row per task", async (t) => {
    const tmp = tempDir(t);
    const child = await hang(t, tmp);
    // The longest timeout waits as any other.
    const { code, stdout, stderr } = await cli(t, tmp, "ps", "--format=csv", "--timeout", "3600", String(child.pid));
    assert.equal(code, 0, stderr);
    const rows = stdout.split("\r\n");
    assert.equal(rows[0], "tid,task id,task name,coroutine stack,awaiter chain,awaiter name,awaiter id");
    assert.equal(rows.at(-1), "");
    assert.deepEqual(
      rows.slice(1, -1).map((row) => row.split(",")[2]),
      ["Task-1", "worker-1", "worker-2"],
    );
  });

  it("the server answers one dump request, and an error line to anything else", async (t) => {
    const tmp = tempDir(t);
    const child = await hang(t, tmp);
    const path = socketPath(tmp, child.pid);
    const dump = JSON.parse(await ask(path, "dump\n")) as { pid: number; loops: unknown[] };
    assert.equal(dump.pid, child.pid);
    assert.equal(dump.loops.length, 1);
    assert.deepEqual(JSON.parse(await ask(path, "eval 1+1\n")), {
      error: 'unknown request "eval 1+1": the only request is "dump"',
    });
    assert.deepEqual(JSON.parse(await ask(path, "x".repeat(1000))), {
      error: 'request too long: send "dump\\n"',
    });
    // Still serving.
    assert.equal((JSON.parse(await ask(path, "dump\r\n")) as { pid: number }).pid, child.pid);
  });

  it("refuse a socket directory that other users can open", async (t) => {
    const tmp = tempDir(t);
    mkdirSync(socketDir(tmp), { mode: 0o755 });
    chmodSync(socketDir(tmp), 0o755);
    const child = await hang(t, tmp);
    assert.equal(existsSync(socketPath(tmp, child.pid)), false);
    child.kill("SIGTERM");
    const { stderr } = await child.exited;
    assert.match(
      stderr,
      new RegExp(
        `asyncio-ts: this process is not inspectable: ${socketDir(tmp)} can be opened by other users \\(mode 0755\\)`,
      ),
    );
  });

  it("a later inspectable loop starts the server that an earlier one could not", async (t) => {
    const tmp = tempDir(t);
    mkdirSync(socketDir(tmp), { mode: 0o755 });
    chmodSync(socketDir(tmp), 0o755);
    const child = start(t, [fixture, "retry"], { TMPDIR: tmp });
    const { code, stdout, stderr } = await child.exited;
    assert.equal(code, 0, stderr);
    // The first Runner's loop is still open when the second runs.
    assert.equal(stdout, "first: socket gone\nsecond: socket present\n");
    assert.equal(stderr.match(/this process is not inspectable/g)?.length, 1, stderr);
    assert.equal(existsSync(socketPath(tmp, child.pid)), false, "the socket is left behind");
  });

  it("refuse a socket directory of another user", { skip: uid !== 0 && "needs root, to chown" }, async (t) => {
    const tmp = tempDir(t);
    mkdirSync(socketDir(tmp), { mode: 0o700 });
    chownSync(socketDir(tmp), 12345, 12345);
    const child = await hang(t, tmp);
    assert.equal(existsSync(socketPath(tmp, child.pid)), false);
    child.kill("SIGTERM");
    const { stderr } = await child.exited;
    assert.match(stderr, new RegExp(`${socketDir(tmp)} belongs to user 12345, not to this process's user ${uid}`));
  });

  it(
    "find the socket under the process's own TMPDIR",
    { skip: !existsSync("/proc/self/environ") && "no /proc" },
    async (t) => {
      const tmp = tempDir(t);
      const child = await hang(t, tmp);
      const { code, stdout, stderr } = await cli(t, tempDir(t), "pstree", String(child.pid));
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^└── \(T\) Task-1$/m);
    },
  );

  it("show each thread's loops: a worker thread serves its own socket", async (t) => {
    const tmp = tempDir(t);
    const child = start(t, [workerFixture], { TMPDIR: tmp });
    await child.line("ready");
    const workerSocket = (thread: number): string => join(socketDir(tmp), `${child.pid}.${thread}.sock`);
    const ps = await cli(t, tmp, "ps", "--format", "csv", String(child.pid));
    assert.equal(ps.code, 0, ps.stderr);
    const rows = ps.stdout
      .split("\r\n")
      .slice(1, -1)
      .map((row) => row.split(",").slice(0, 3));
    const thread = Number(rows.at(-1)![0]);
    assert.ok(thread > 0);
    assert.deepEqual(rows, [
      ["0", "0x1", "Task-1"],
      ["0", "0x2", "main-sleeper"],
      [String(thread), "0x1", "Task-1"],
      [String(thread), "0x2", "worker-sleeper"],
    ]);
    assert.equal(mode(workerSocket(thread)), 0o600);

    // A worker thread's socket that no thread serves any more is passed over;
    // the main thread's is not.
    await staleSocket(t, workerSocket(thread + 1));
    const pstree = await cli(t, tmp, "pstree", String(child.pid));
    assert.equal(pstree.code, 0, pstree.stderr);
    assert.deepEqual(pstree.stdout.split("\n"), [
      "└── (T) Task-1",
      "    └──  main()",
      "        └──  sleep()",
      "└── (T) main-sleeper",
      "    └──  sleeper()",
      "        └──  sleep()",
      "└── (T) Task-1",
      "    └──  inWorker()",
      "        └──  sleep()",
      "└── (T) worker-sleeper",
      "    └──  sleeper()",
      "        └──  sleep()",
      "",
    ]);
    rmSync(workerSocket(thread + 1));

    child.kill("SIGTERM"); // The fixture calls process.exit(0).
    assert.equal((await child.exited).code, 0);
    assert.equal(existsSync(socketPath(tmp, child.pid)), false, "the main thread's socket is left behind");
    assert.equal(existsSync(workerSocket(thread)), false, "the worker thread's socket is left behind");
  });

  it("say so when the socket is there but nothing listens: a process killed by a signal leaves it", async (t) => {
    const tmp = tempDir(t);
    const child = await hang(t, tmp, "off");
    mkdirSync(socketDir(tmp), { mode: 0o700 });
    await staleSocket(t, socketPath(tmp, child.pid));
    const { code, stderr } = await cli(t, tmp, "ps", String(child.pid));
    assert.equal(code, 1);
    assert.equal(
      stderr,
      `asyncio-ts ps: process ${child.pid} does not accept connections on ${socketPath(tmp, child.pid)}: the socket ` +
        "was left by an earlier process with this PID, or the process is exiting\n",
    );
  });

  const refusing = (command: string, path: string, why: string, only: string): string =>
    `asyncio-ts ${command}: refusing ${path}: ${why}; the tasks of process ${pidOf(path)} are read only ${only}\n`;
  const pidOf = (path: string): string => /(\d+)\.sock$/.exec(path)?.[1] ?? "";
  const fromPrivateDir = `from a directory of uid ${uid} that only that user can open`;

  it("refuse a socket directory that other users can open, and never connect to its socket", async (t) => {
    const tmp = tempDir(t);
    const child = await hang(t, tmp, "off");
    mkdirSync(socketDir(tmp), { mode: 0o755 });
    chmodSync(socketDir(tmp), 0o755);
    await impostor(t, socketPath(tmp, child.pid), child.pid);
    for (const command of ["ps", "pstree"]) {
      const { code, stdout, stderr } = await cli(t, tmp, command, String(child.pid));
      assert.equal(code, 1);
      assert.equal(stdout, "");
      assert.equal(
        stderr,
        `asyncio-ts ${command}: refusing ${socketDir(tmp)}: other users can open it (mode 0755); ` +
          `the tasks of process ${child.pid} are read only ${fromPrivateDir}\n`,
      );
    }
  });

  it(
    "refuse a socket directory that is a symbolic link, also under the process's own TMPDIR",
    { skip: !existsSync("/proc/self/environ") && "no /proc" },
    async (t) => {
      const tmp = tempDir(t);
      const child = await hang(t, tmp, "off");
      const elsewhere = join(tempDir(t), "sockets");
      mkdirSync(elsewhere, { mode: 0o700 });
      symlinkSync(elsewhere, socketDir(tmp));
      await impostor(t, join(elsewhere, `${child.pid}.sock`), child.pid);
      // The command's own TMPDIR has no socket directory: the process's is found through /proc.
      const { code, stdout, stderr } = await cli(t, tempDir(t), "ps", String(child.pid));
      assert.equal(code, 1);
      assert.equal(stdout, "");
      assert.equal(
        stderr,
        `asyncio-ts ps: refusing ${socketDir(tmp)}: it is a symbolic link; ` +
          `the tasks of process ${child.pid} are read only ${fromPrivateDir}\n`,
      );
    },
  );

  it("refuse a file that is not a socket where the socket should be", async (t) => {
    const tmp = tempDir(t);
    const child = await hang(t, tmp, "off");
    mkdirSync(socketDir(tmp), { mode: 0o700 });
    writeFileSync(socketPath(tmp, child.pid), "");
    const { code, stderr } = await cli(t, tmp, "pstree", String(child.pid));
    assert.equal(code, 1);
    assert.equal(
      stderr,
      refusing("pstree", socketPath(tmp, child.pid), "it is not a socket", `over a socket of uid ${uid}`),
    );
  });

  it(
    "refuse a socket directory or socket of another user",
    { skip: uid !== 0 && "needs root, to chown" },
    async (t) => {
      const tmp = tempDir(t);
      const child = await hang(t, tmp, "off");
      mkdirSync(socketDir(tmp), { mode: 0o700 });
      await impostor(t, socketPath(tmp, child.pid), child.pid);
      chownSync(socketPath(tmp, child.pid), 12345, 12345);
      let { code, stderr } = await cli(t, tmp, "ps", String(child.pid));
      assert.equal(code, 1);
      assert.equal(
        stderr,
        refusing(
          "ps",
          socketPath(tmp, child.pid),
          `it is owned by uid 12345, not ${uid}`,
          `over a socket of uid ${uid}`,
        ),
      );
      chownSync(socketDir(tmp), 12345, 12345);
      ({ code, stderr } = await cli(t, tmp, "ps", String(child.pid)));
      assert.equal(code, 1);
      assert.equal(
        stderr,
        `asyncio-ts ps: refusing ${socketDir(tmp)}: it is owned by uid 12345, not ${uid}; ` +
          `the tasks of process ${child.pid} are read only ${fromPrivateDir}\n`,
      );
    },
  );
});
