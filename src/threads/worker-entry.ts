/**
 * The program each pool worker runs: it takes jobs, runs them one after the
 * other, and sends back results and output in the order they happened.
 *
 * asyncio-ts's own. A function given as source is compiled once per worker
 * and cached; a module export is imported once. Jobs arrive in batches and
 * results leave in batches (flushed when the worker runs out of jobs, or
 * every millisecond of work), so a burst of small calls costs a few messages,
 * not two per call. What the job's code writes to stdout or stderr (console.*
 * included) is sent at once on the same port, after the results before it:
 * the caller's terminal shows it in order with its own output (Node forwards
 * a worker's own stdout asynchronously, which can print it after later
 * main-thread output).
 *
 * The program travels as source, in a data: URL, so no file has to be found
 * next to the library: it runs the same from dist/, from the TypeScript
 * sources (tsx, Node's type stripping) and from a single-file bundle (ESM or
 * CommonJS). workerMain and toWire are therefore self-contained: they use
 * their parameters and the worker's globals only (a bundler's or tsx's
 * `__name(fn, "name")` calls inside them are served by a global the program
 * defines). A data: URL, unlike `eval: true`, is a module entry point, so the
 * modules the caller preloads with `--import` run in the worker first, as for
 * a worker started from a file. The data: module runs the program with
 * node:vm under the name of a file beside this module: stack frames and
 * import errors name `asyncio-ts-worker.js` in the library's folder (not the
 * long data: URL), and import() of a package resolves from there.
 *
 * @module
 */

import { createRequire } from "node:module";
import type * as WorkerThreadsModule from "node:worker_threads";
import { _nameHelper } from "./free-variables.js";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type FunctionRef,
  JOB_SIGNAL,
  JOB_STRIDE,
  JOB_TIMED,
  type PoolMessage,
  RESULT_STRIDE,
  SLOT_ABORTED,
  SLOT_CLAIMED,
  IMPORTING,
  SLOT_LAST_DONE,
  SLOT_RUNNING,
  SLOT_STARTED,
  type WireThrown,
  type WorkerData,
  toWire,
} from "./protocol.js";

/** What the program is given besides worker_threads: constants, and how to load TypeScript. */
interface WorkerSetup {
  readonly JOB_STRIDE: number;
  readonly JOB_SIGNAL: number;
  readonly JOB_TIMED: number;
  readonly RESULT_STRIDE: number;
  readonly SLOT_ABORTED: number;
  readonly SLOT_RUNNING: number;
  readonly SLOT_LAST_DONE: number;
  readonly SLOT_STARTED: number;
  readonly SLOT_CLAIMED: number;
  /**
   * The URL of tsx's `tsx/esm/api`, for a worker to register tsx before it
   * imports a module of the program: set when the process runs with tsx and
   * its preload does not register tsx's hooks in worker threads (Node 20).
   */
  readonly tsxApi: string | undefined;
  /** Whether the process runs with tsx (for the advice when TypeScript cannot load). */
  readonly tsx: boolean;
  /** The global set while a module is imported (protocol.ts IMPORTING). */
  readonly IMPORTING: string;
}

type WorkerThreads = typeof WorkerThreadsModule;

/**
 * The worker's program. Self-contained: it runs from its source in the
 * worker, where nothing of this module exists.
 */
function workerMain(
  wt: WorkerThreads,
  importModule: (url: string) => Promise<Record<string, unknown>>,
  toWire: (thrown: unknown) => WireThrown,
  c: WorkerSetup,
): void {
  type Fn = (...args: unknown[]) => unknown;
  const port = wt.parentPort;
  if (port === null) throw new Error("asyncio-ts's worker program runs inside a worker thread of the pool");
  const { shared } = wt.workerData as WorkerData;
  const fns = new Map<number, { ref: FunctionRef; fn: Fn | undefined }>();
  // Flat, QUEUE_STRIDE items a job: its number here, then the JOB_STRIDE items sent.
  const queue: unknown[] = [];
  const QUEUE_STRIDE = c.JOB_STRIDE + 1;
  let queueHead = 0;
  // How many jobs this worker has received: the number of the last one.
  let received = 0;
  let results: unknown[] = [];
  // TIME_STRIDE items a timed job (protocol.ts ResultsMessage).
  let times: number[] = [];
  let draining = false;
  // Jobs of cancellable() the caller cancelled (by id), and their AbortControllers.
  const abortedIds = new Set<number>();
  const controllers = new Map<number, AbortController>();
  // Whether tsx's hooks were registered here, for TypeScript modules.
  let tsxRegistered: Promise<void> | undefined;

  const flush = (): void => {
    if (results.length === 0) return;
    const out = results;
    results = [];
    const outTimes = times.length > 0 ? times : undefined;
    if (outTimes !== undefined) times = [];
    try {
      port.postMessage({ t: "results", results: out, times: outTimes });
    } catch {
      // A result that cannot be cloned: send each alone, replacing the bad
      // ones; the times (plain numbers) go first.
      if (outTimes !== undefined) port.postMessage({ t: "results", results: [], times: outTimes });
      for (let i = 0; i < out.length; i += c.RESULT_STRIDE) {
        try {
          port.postMessage({ t: "results", results: out.slice(i, i + c.RESULT_STRIDE) });
        } catch (err) {
          const message = `the result of the job cannot be sent back from the worker thread: ${String(
            (err as Error).message,
          ).replace(/\.$/, "")}; return plain data (structured-cloneable)`;
          const error = new TypeError(message);
          Object.defineProperty(error, "code", { value: "ERR_ASYNCIO_NOT_CLONEABLE", enumerable: true });
          port.postMessage({ t: "results", results: [out[i], 0, toWire(error)] });
        }
      }
    }
  };

  const abortError = (): DOMException => new DOMException("The task awaiting this job was cancelled", "AbortError");

  // The JobSignal a cancellable() function gets as its first argument.
  const jobSignal = (id: number): object => {
    const controller = new AbortController();
    controllers.set(id, controller);
    const isAborted = (): boolean => Atomics.load(shared, c.SLOT_ABORTED) === id || abortedIds.has(id);
    return Object.freeze({
      get aborted(): boolean {
        return isAborted();
      },
      throwIfAborted(): void {
        if (isAborted()) throw abortError();
      },
      signal: controller.signal,
    });
  };

  const compile = (source: string): Fn => {
    // A function expression, an arrow, or a method written in shorthand.
    try {
      return new Function(`return (${source});`)() as Fn;
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      const holder = new Function(`return ({${source}});`)() as Record<string, Fn>;
      const [fn] = Object.values(holder);
      if (typeof fn !== "function") throw err;
      return fn;
    }
  };

  // Under tsx, on a Node whose workers lack tsx's hooks, tsx is registered
  // here once, before the first module of the program is imported: a
  // TypeScript module, or one outside node_modules (which may import
  // TypeScript, or name it with .js as TypeScript's ESM imports do).
  const needsTsx = (url: string): boolean => {
    const path = url.replace(/[?#].*$/s, "");
    return /\.(?:[cm]?ts|tsx)$/i.test(path) || (path.startsWith("file:") && !/\/node_modules\//.test(path));
  };
  const registerTsx = async (api: string): Promise<void> => {
    try {
      const mod = await importModule(api);
      const register = (mod.register ??
        (mod.default as Record<string, unknown> | undefined)?.register) as () => unknown;
      register();
    } catch (err) {
      throw new Error(
        `toThread could not register tsx (${api}) in its worker thread to import TypeScript: ${String((err as Error).message ?? err)}`,
        {
          cause: err,
        },
      );
    }
  };

  const load = async (ref: FunctionRef): Promise<Fn> => {
    if (ref.kind === "source") return compile(ref.source);
    if (c.tsxApi !== undefined && needsTsx(ref.url)) await (tsxRegistered ??= registerTsx(c.tsxApi));
    const global = globalThis as Record<string, unknown>;
    global[c.IMPORTING] = ref.url;
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(ref.url);
    } finally {
      delete global[c.IMPORTING];
    }
    const exported = mod[ref.name];
    if (typeof exported !== "function") {
      const error = new TypeError(
        `${ref.url} has no exported function ${JSON.stringify(ref.name)}: export it, or check the name`,
      );
      Object.defineProperty(error, "code", { value: "ERR_ASYNCIO_NO_EXPORT", enumerable: true });
      throw error;
    }
    return exported as Fn;
  };

  const explain = (err: unknown, ref: FunctionRef | undefined): unknown => {
    // A self-contained function sees only its parameters and the worker's
    // globals: a variable it captured from its scope is not defined here.
    if (ref?.kind === "source" && err instanceof ReferenceError) {
      const match = /^(\S+) is not defined$/.exec(err.message);
      if (match) {
        err.message =
          `${err.message}: toThread() runs ${ref.name || "the function"} in a worker thread, where only its parameters ` +
          `and globals exist; pass ${match[1]} as an argument, or export the function from a module and pass ` +
          `moduleFunction(import.meta.url, "${ref.name || "name"}")`;
      }
    }
    // A module the worker's Node cannot load as it is: TypeScript without a
    // loader, or with syntax that type stripping does not remove.
    const code = (err as { code?: unknown } | null)?.code;
    if (ref?.kind === "module" && err instanceof Error && !err.message.includes("toThread")) {
      const tsx =
        "run the program with tsx (`tsx main.ts`, or `node --import tsx main.js`), which toThread registers in its worker threads too";
      if (code === "ERR_UNKNOWN_FILE_EXTENSION" && /"\.(?:[cm]?ts|tsx)"/i.test(err.message)) {
        err.message += c.tsx
          ? ": tsx runs this program, but its hooks are not registered in toThread's worker thread (an older tsx? update it); " +
            "or compile the module to JavaScript and pass that module's URL to moduleFunction"
          : ": toThread's worker thread cannot import TypeScript in this Node: " +
            `${tsx}; use Node 22.18+ or 24, which strip types from .ts files themselves; ` +
            "or compile the module to JavaScript and pass that module's URL to moduleFunction";
      } else if (code === "ERR_UNKNOWN_FILE_EXTENSION") {
        err.message +=
          ": toThread's worker thread cannot import this kind of file: a loader that handles it must be registered in worker threads too " +
          "(a module preloaded with --import runs in them), or pass moduleFunction the URL of a JavaScript module";
      } else if (code === "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX") {
        err.message += `: Node's type stripping removes types only; use erasable syntax (no enum, namespace or parameter properties), or ${tsx}`;
      }
    }
    return err;
  };

  // Microseconds on process.hrtime's clock, which the caller's thread reads too.
  const hrMicros = (): number => Number(process.hrtime.bigint() / 1000n);

  const runJob = async (id: number, fnId: number, flags: number, args: unknown[]): Promise<void> => {
    const entry = fns.get(fnId);
    const signal = (flags & c.JOB_SIGNAL) !== 0;
    const start = (flags & c.JOB_TIMED) !== 0 ? hrMicros() : -1;
    let ok = 0;
    Atomics.store(shared, c.SLOT_RUNNING, id);
    try {
      if (abortedIds.has(id)) throw abortError(); // Cancelled before it started.
      if (entry === undefined) throw new Error(`asyncio-ts: unknown function ${fnId} in a worker thread`);
      entry.fn ??= await load(entry.ref);
      let value = signal ? entry.fn(jobSignal(id), ...args) : entry.fn(...args);
      if (value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function") {
        value = await (value as PromiseLike<unknown>);
      }
      results.push(id, 1, value);
      ok = 1;
    } catch (err) {
      results.push(id, 0, toWire(explain(err, entry?.ref)));
    } finally {
      if (start >= 0) times.push(id, start, hrMicros(), ok);
      Atomics.store(shared, c.SLOT_RUNNING, 0);
      Atomics.store(shared, c.SLOT_LAST_DONE, id);
      if (signal) {
        controllers.delete(id);
        abortedIds.delete(id);
      }
    }
  };

  const onMessage = (message: PoolMessage): void => {
    if (message.t === "abort") {
      abortedIds.add(message.id);
      controllers.get(message.id)?.abort(abortError());
      return;
    }
    if (message.fns !== undefined) for (const [id, ref] of message.fns) fns.set(id, { ref, fn: undefined });
    for (let i = 0; i < message.jobs.length; i += c.JOB_STRIDE) {
      queue.push(++received, message.jobs[i], message.jobs[i + 1], message.jobs[i + 2], message.jobs[i + 3]);
    }
  };

  let lastFn = -1;

  const drain = async (): Promise<void> => {
    draining = true;
    let since = performance.now();
    while (queueHead < queue.length) {
      // Messages that came while the last job ran (more jobs, cancellations),
      // taken now: a job cancelled before it starts is skipped.
      for (let m = wt.receiveMessageOnPort(port); m !== undefined; m = wt.receiveMessageOnPort(port)) {
        onMessage(m.message as PoolMessage);
      }
      const i = queueHead;
      queueHead += QUEUE_STRIDE;
      // Claim the job: the pool may have taken it back, to run it on a worker
      // that was idle; then it is skipped, and sends no result.
      const k = queue[i] as number;
      if (Atomics.compareExchange(shared, c.SLOT_CLAIMED, k - 1, k) === k - 1) {
        // Results go out before a different function runs: if that one
        // crashes the worker, the results before it are not lost with it.
        if (queue[i + 2] !== lastFn) {
          flush();
          lastFn = queue[i + 2] as number;
        }
        await runJob(queue[i + 1] as number, queue[i + 2] as number, queue[i + 3] as number, queue[i + 4] as unknown[]);
      }
      if (queueHead >= queue.length) {
        queue.length = 0;
        queueHead = 0;
      }
      if (queueHead === 0 || performance.now() - since > 1) {
        flush();
        since = performance.now();
      }
    }
    draining = false;
    flush();
  };

  // Output goes out at once, after the results before it, so it keeps its place.
  for (const [stream, id] of [
    [process.stdout, 1],
    [process.stderr, 2],
  ] as const) {
    stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      const text =
        typeof chunk === "string"
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString(
              typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
            );
      flush();
      port.postMessage({ t: "out", stream: id, text });
      const cb = typeof encoding === "function" ? encoding : callback;
      if (typeof cb === "function") queueMicrotask(cb as () => void);
      return true;
    }) as typeof stream.write;
  }
  // A job that calls process.exit(): its results so far still reach the caller.
  process.on("exit", flush);

  port.on("message", (message: PoolMessage) => {
    onMessage(message);
    if (!draining) void drain();
  });
  // The pool tells a worker that never got here (a preload failing, too
  // little memory to boot, a program a bundler broke) from one that crashed later.
  Atomics.store(shared, c.SLOT_STARTED, 1);
}

// tsx registers its hooks in worker threads itself from these Node versions
// on (a major absent here: from its first release, if above the last one
// listed; never, if below); on older ones a worker importing TypeScript
// registers tsx itself.
const TSX_HOOKS_IN_WORKERS: readonly (readonly [number, number, number])[] = [
  [22, 22, 3],
  [24, 11, 1],
  [25, 1, 0],
];

function nodeRegistersTsxInWorkers(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, "").split(".").map(Number);
  const since = TSX_HOOKS_IN_WORKERS.find(([m]) => m === major);
  if (since === undefined) return major > TSX_HOOKS_IN_WORKERS[TSX_HOOKS_IN_WORKERS.length - 1]![0];
  return minor > since[1] || (minor === since[1] && patch >= since[2]);
}

/** The Node options that preload modules: (option, module) pairs of execArgv and NODE_OPTIONS. */
function preloads(): string[] {
  const args = [...process.execArgv, ...(process.env["NODE_OPTIONS"] ?? "").split(/\s+/).filter(Boolean)];
  const specs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = /^(--import|--loader|--experimental-loader|--require|-r)=(.*)$/.exec(arg);
    if (eq) specs.push(eq[2]!);
    else if (/^(--import|--loader|--experimental-loader|--require|-r)$/.test(arg) && i + 1 < args.length)
      specs.push(args[++i]!);
  }
  return specs;
}

/**
 * tsx's `tsx/esm/api` (its ESM build: the CommonJS one registers hooks from
 * a wrong path), when the process runs with tsx (the `tsx` command,
 * `--import tsx`): found from tsx's own file in execArgv, or, for a bare
 * `tsx`, from the current folder (as Node resolved it) or the main script's.
 */
function findTsx(): { used: boolean; api: string | undefined } {
  const spec = preloads().find((s) => /^tsx(?:\/|$)/.test(s) || /[\\/]node_modules[\\/]tsx[\\/]/.test(s));
  if (spec === undefined) return { used: false, api: undefined };
  const bases = spec.startsWith("file:")
    ? [new URL(spec)]
    : /^tsx(?:\/|$)/.test(spec)
      ? [`${process.cwd()}/`, ...(process.argv[1] === undefined ? [] : [resolve(process.argv[1])])]
      : [resolve(spec)];
  for (const base of bases) {
    try {
      const packageJson = createRequire(base).resolve("tsx/package.json");
      const exported = (JSON.parse(readFileSync(packageJson, "utf8")) as { exports?: Record<string, unknown> })
        .exports?.["./esm/api"];
      const conditions = exported as { import?: string | { default?: string } } | string | undefined;
      const file =
        typeof conditions === "string"
          ? conditions
          : typeof conditions?.import === "string"
            ? conditions.import
            : conditions?.import?.default;
      if (file !== undefined) return { used: true, api: pathToFileURL(resolve(dirname(packageJson), file)).href };
    } catch {
      // Not found from there: try the next place.
    }
  }
  return { used: true, api: undefined };
}

/**
 * The name the program runs under in the worker: a file beside this module
 * (which need not exist), so that its stack frames and import errors name
 * the library's folder, and import() of a package in a job's function
 * resolves from there, as from a module of the library. Beside the main
 * script in a CommonJS bundle, which has no import.meta.url.
 */
function programFilename(): string {
  const url = (import.meta as { url?: unknown }).url;
  const base =
    typeof url === "string" && url.startsWith("file:")
      ? url
      : process.argv[1] !== undefined
        ? pathToFileURL(resolve(process.argv[1])).href
        : pathToFileURL(`${process.cwd()}/`).href;
  return new URL("asyncio-ts-worker.js", base).href;
}

let programUrl: URL | undefined;

/**
 * @internal The module a pool worker runs, as a data: URL (built once). The
 * worker's shared memory comes in workerData ({@link WorkerData}).
 */
export function workerUrl(): URL {
  if (programUrl !== undefined) return programUrl;
  const tsx = findTsx();
  const setup: WorkerSetup = {
    JOB_STRIDE,
    JOB_SIGNAL,
    JOB_TIMED,
    RESULT_STRIDE,
    SLOT_ABORTED,
    SLOT_RUNNING,
    SLOT_LAST_DONE,
    SLOT_STARTED,
    SLOT_CLAIMED,
    IMPORTING,
    tsxApi: tsx.used && !nodeRegistersTsxInWorkers(process.version) ? tsx.api : undefined,
    tsx: tsx.used,
  };
  const filename = programFilename();
  // Strict, as a module is. The import() here and in the functions it
  // compiles resolves from `filename` through Node's loader for vm code
  // (Node 20.12+; before, through the data: URL, which resolves no packages).
  const program = `"use strict";\n[${workerMain.toString()}, ${toWire.toString()}, (url) => import(url)];\n`;
  const source =
    `import * as wt from "node:worker_threads";\n` +
    `import * as vm from "node:vm";\n` +
    // esbuild and tsx (keepNames) insert __name(fn, "name") calls into
    // function bodies: the program's own, and a function's source sent here.
    `globalThis.__name ??= (fn, name) => Object.defineProperty(fn, "name", { value: name, configurable: true });\n` +
    `globalThis[${JSON.stringify(_nameHelper())}] ??= globalThis.__name;\n` +
    `const program = ${JSON.stringify(program)};\n` +
    `const filename = ${JSON.stringify(filename)};\n` +
    `const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;\n` +
    `const [main, toWire, importModule] = loader === undefined\n` +
    `  ? (0, eval)(program + "//# sourceURL=" + filename)\n` +
    `  : vm.runInThisContext(program, { filename, importModuleDynamically: loader });\n` +
    // Node warns, at the first import through that loader, that it is
    // experimental: once per thread, here, where the warning is dropped.
    `if (loader !== undefined) {\n` +
    `  const emitWarning = process.emitWarning;\n` +
    `  process.emitWarning = function (warning, ...rest) {\n` +
    `    if (!String(warning?.message ?? warning).includes("USE_MAIN_CONTEXT_DEFAULT_LOADER")) return Reflect.apply(emitWarning, this, [warning, ...rest]);\n` +
    `  };\n` +
    `  try {\n` +
    `    importModule("node:worker_threads").catch(() => {});\n` +
    `  } finally {\n` +
    `    process.emitWarning = emitWarning;\n` +
    `  }\n` +
    `}\n` +
    `try {\n` +
    `  main(wt, importModule, toWire, ${JSON.stringify(setup)});\n` +
    `} catch (err) {\n` +
    `  if (err instanceof ReferenceError) err.message += ": asyncio-ts's worker program, sent to the worker as source, uses a helper ` +
    `that a bundler or compiler added outside it (syntax lowered for an old target?): bundle for Node 20 or later, ` +
    `or leave asyncio-ts out of the bundle";\n` +
    `  throw err;\n` +
    `}\n`;
  programUrl = new URL(`data:text/javascript,${encodeURIComponent(source)}`);
  return programUrl;
}
