/**
 * The published package as a new TypeScript project meets it: `npm pack`,
 * the tarball installed into a fresh project (package.json type module,
 * @types/node), and the repository's own TypeScript compiler run with
 * --noEmit over test/consumer/programs/, with strict: true, skipLibCheck:
 * false, module NodeNext, for targets ES2020 and ES2022 with each target's
 * default lib.
 *
 * A program must compile as it is. A line a consumer must not be able to
 * write follows a `// @ts-expect-error TSnnnn why` comment; with those
 * comments blanked out, the compiler must report exactly those error codes
 * on exactly those lines. A program whose expect-error is not needed fails
 * to compile (checked with one written for the purpose). The tarball's
 * contents and require() from CommonJS are checked here too.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
// build/test/consumer/ -> the package root.
const root = fileURLToPath(new URL("../../..", import.meta.url));
const programs = join(root, "test", "consumer", "programs");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const TARGETS = ["ES2020", "ES2022"] as const;

/** A program whose expect-error is not needed: it must not compile. */
const UNUSED_DIRECTIVE = `import { sleep } from "asyncio-ts";
// @ts-expect-error TS2345 (not an error: the directive is unused)
export const slept = sleep(1);
`;

interface Project {
  dir: string;
  /** What `tar -tzf` lists, without the leading "package/". */
  files: string[];
  /** "file:line TScode" of each expect-error directive, for the line after it. */
  expected: string[];
}

let project: Project;
/** What tsc reports for each target. */
const compiled = new Map<string, { errors: string[]; output: string }>();

/** Packs the package and installs the tarball, as a consumer's `npm install` would, into a new project. */
async function makeProject(): Promise<Project> {
  const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-consumer-"));
  const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, timeout: 60_000 });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  const pkg = join(dir, "node_modules", "asyncio-ts");
  mkdirSync(pkg, { recursive: true });
  await exec("tar", ["-xzf", join(dir, filename), "-C", pkg, "--strip-components=1"]);
  const listing = await exec("tar", ["-tzf", join(dir, filename)]);
  const files = listing.stdout
    .trim()
    .split("\n")
    .map((f) => f.replace(/^package\//, ""));
  mkdirSync(join(dir, "node_modules", "@types"));
  symlinkSync(join(root, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));

  // programs/: as written; stripped/: the same with the directives blanked out.
  const expected: string[] = [];
  const names: string[] = [];
  mkdirSync(join(dir, "programs"));
  mkdirSync(join(dir, "stripped"));
  for (const name of readdirSync(programs).sort()) {
    const lines = readFileSync(join(programs, name), "utf8").split("\n");
    lines.forEach((line, i) => {
      if (!line.includes("@ts-expect-error")) return;
      const code = /^\s*\/\/ @ts-expect-error (TS\d+) \S/.exec(line)?.[1];
      assert.ok(code, `${name}:${i + 1}: an expect-error names the error code and why, on a line of its own: ${line}`);
      expected.push(`stripped/${name}:${i + 2} ${code}`);
      lines[i] = "";
    });
    writeFileSync(join(dir, "programs", name), readFileSync(join(programs, name)));
    writeFileSync(join(dir, "stripped", name), lines.join("\n"));
    names.push(name);
  }
  writeFileSync(join(dir, "programs", "unused-directive.ts"), UNUSED_DIRECTIVE);
  const sources = [...names.flatMap((n) => [`programs/${n}`, `stripped/${n}`]), "programs/unused-directive.ts"];
  for (const target of TARGETS) {
    // skipDefaultLibCheck only spares TypeScript's own lib files (half the
    // time); the package's declarations and @types/node are checked.
    const compilerOptions = {
      strict: true,
      skipLibCheck: false,
      skipDefaultLibCheck: true,
      target,
      module: "NodeNext",
      moduleResolution: "NodeNext",
      noEmit: true,
    };
    writeFileSync(join(dir, `tsconfig.${target}.json`), JSON.stringify({ compilerOptions, files: sources }, null, 2));
  }
  return { dir, files, expected: expected.sort() };
}

/** The errors tsc reports for the project's `target`, as "file:line TScode", and its whole output. */
async function compile(target: string): Promise<{ errors: string[]; output: string }> {
  const { dir } = project;
  const output = await exec(process.execPath, [tsc, "-p", `tsconfig.${target}.json`, "--pretty", "false"], {
    cwd: dir,
    timeout: 60_000,
  }).then(
    ({ stdout }) => stdout,
    (err: { stdout?: string }) => err.stdout ?? String(err),
  );
  const errors = [...output.matchAll(/^(\S.*?)\((\d+),\d+\): error (TS\d+):/gm)].map(
    ([, file, line, code]) => `${file}:${line} ${code}`,
  );
  return { errors: errors.sort(), output };
}

describe("the packed package in a TypeScript project", () => {
  after(() => {
    if (project !== undefined) rmSync(project.dir, { recursive: true, force: true });
  });
  before(async () => {
    project = await makeProject();
    // Both targets at once, each in a compiler process of its own.
    const results = await Promise.all(TARGETS.map((target) => compile(target)));
    TARGETS.forEach((target, i) => compiled.set(target, results[i]!));
  });

  for (const target of TARGETS) {
    it(`compiles for target ${target} (strict, skipLibCheck false, NodeNext): every program, the declarations, and each misuse as the error its comment names`, () => {
      const { errors, output } = compiled.get(target)!;
      // Nothing in the package's declarations; nothing in programs/ but the unused directive.
      assert.deepEqual(
        errors.filter((e) => !e.startsWith("stripped/")),
        ["programs/unused-directive.ts:2 TS2578"],
        output,
      );
      assert.ok(project.expected.length >= 5, `too few misuses found: ${project.expected.length}`);
      assert.deepEqual(
        errors.filter((e) => e.startsWith("stripped/")),
        project.expected,
        output,
      );
    });
  }

  it("ships LICENSE, and every source its source maps name", () => {
    const { dir, files } = project;
    assert.ok(files.includes("LICENSE"));
    assert.match(
      readFileSync(join(dir, "node_modules", "asyncio-ts", "LICENSE"), "utf8"),
      /^MIT License\n\nCopyright \(c\) \d{4} asyncio-ts contributors\n/,
    );
    const maps = files.filter((f) => f.endsWith(".map"));
    assert.ok(maps.some((f) => f.endsWith(".js.map")) && maps.some((f) => f.endsWith(".d.ts.map")));
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(dir, "node_modules", "asyncio-ts", map), "utf8")) as {
        sources: string[];
      };
      for (const source of sources) {
        const path = relative(
          join(dir, "node_modules", "asyncio-ts"),
          join(dir, "node_modules", "asyncio-ts", dirname(map), source),
        );
        assert.ok(
          files.includes(path) && existsSync(join(dir, "node_modules", "asyncio-ts", path)),
          `${map} names ${source}, not in the package`,
        );
      }
    }
  });

  it("loads with require() from CommonJS (Node's require(esm)), without a warning", async () => {
    const { stdout, stderr } = await exec(
      process.execPath,
      [
        "-e",
        "const a = require('asyncio-ts'); a.run(async () => { await a.sleep(0); return typeof a.createTask; }).then(console.log)",
      ],
      { cwd: project.dir, timeout: 60_000 },
    );
    assert.equal(stderr, "");
    assert.equal(stdout, "function\n");
  });
});
