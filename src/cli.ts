#!/usr/bin/env node
/**
 * The `asyncio-ts` command (`npx asyncio-ts <command>`): tools that look at
 * asyncio-ts programs from outside. Each command lives in its own module of
 * src/cli/ and is loaded only when asked for.
 *
 * @module
 */

import process from "node:process";

/** A command: its one-line help, and what runs it with the arguments after its name. */
interface Command {
  usage: string;
  help: string;
  main(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  ps: {
    usage: "ps [--format table|csv] PID",
    help: "display a table of all pending tasks in a process",
    main: async (args) => (await import("./cli/inspect.js")).ps(args),
  },
  pstree: {
    usage: "pstree PID",
    help: "display a tree of all pending tasks in a process",
    main: async (args) => (await import("./cli/inspect.js")).pstree(args),
  },
  trace: {
    usage: "trace <trace.json> [-o <out.html>]",
    help: "render a trace file as an HTML timeline",
    main: async (args) => (await import("./cli/trace.js")).main(args),
  },
};

function usage(): string {
  const lines = ["usage: asyncio-ts <command> [arguments]", "", "commands:"];
  for (const command of Object.values(commands)) lines.push(`  ${command.usage.padEnd(34)} ${command.help}`);
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`asyncio-ts: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  return command.main(args);
}

process.exitCode = await main(process.argv.slice(2));
