/**
 * The Node 24 binary, for tests that start a program on Node 24 whichever
 * Node runs them (type stripping, for one). scripts/test.js finds it
 * (scripts/node24.js: the version pinned in package.json, installed on first
 * use) and passes it as ASYNCIO_TS_NODE24, or, without one, the reason as
 * ASYNCIO_TS_NODE24_SKIPPED. Run on their own, the tests use
 * ASYNCIO_TS_NODE24 if it names a file, else the Node running them if that is
 * a Node 24.
 *
 * Without a Node 24, such tests are skipped with {@link node24Skip} as the
 * reason: `it("…", { skip: node24Skip }, async () => { … node24! … })`.
 */
import { existsSync } from "node:fs";

const given = process.env.ASYNCIO_TS_NODE24;

/** The Node 24 binary, or undefined when there is none. */
export const node24: string | undefined =
  given !== undefined && given !== "" && existsSync(given)
    ? given
    : process.versions.node.startsWith("24.")
      ? process.execPath
      : undefined;

/** False when there is a Node 24; else why the tests that need it are skipped. */
export const node24Skip: string | false =
  node24 === undefined &&
  `no Node 24: ${
    process.env.ASYNCIO_TS_NODE24_SKIPPED ??
    "run the tests with npm test, which installs the pinned Node 24 where npm has it, or set ASYNCIO_TS_NODE24 to a Node 24 binary"
  }`;
