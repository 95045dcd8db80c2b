/**
 * The table of `asyncio-ts ps` and the tree of `asyncio-ts pstree`, ported
 * from CPython 3.14 Lib/test/test_asyncio/test_tools.py, and their display.
 *
 * CPython's inputs are what `get_all_awaited_by()` returns; here they are
 * task dumps of the same content: an `AwaitedInfo` is a loop, a `TaskInfo`
 * a task, a `CoroInfo` of `awaited_by` an entry of `awaitedBy`. A
 * `FrameInfo(name, "", 0)` is the label `name`; one with a file and line,
 * `name file:line`, as tools.py formats it. The tables' task and awaiter
 * ids are hex, as CPython's.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CycleFoundError,
  buildAsyncTree,
  buildTaskTable,
  formatCycles,
  formatTaskCsv,
  formatTaskTable,
} from "../../src/cli/inspect.js";
import type { LoopDump, TaskDump, TaskInfo } from "../../src/debug/graph.js";

/** A task no other awaits, or awaited by each `[stack, taskId]` (CPython's `CoroInfo(call_stack, task_name)`). */
function task(id: number, name: string, awaitedBy: [string[], number][] = [], stack: string[] = []): TaskInfo {
  return {
    id,
    name,
    state: "pending",
    coro: "",
    awaits: "",
    stack,
    awaitedBy: awaitedBy.map(([stack, taskId]) => ({ taskId, stack })),
  };
}

const loop = (thread: number, tasks: TaskInfo[]): LoopDump => ({ thread, tasks });
const dump = (...loops: LoopDump[]): TaskDump => ({ pid: 1, node: "v20.0.0", loops });

/** The cycles buildAsyncTree() finds. */
function cyclesOf(input: TaskDump): number[][] {
  try {
    buildAsyncTree(input);
  } catch (err) {
    if (err instanceof CycleFoundError) return err.cycles;
    throw err;
  }
  assert.fail("no CycleFoundError");
}

const AEXIT_MAIN = ["_aexit", "__aexit__", "main"];
const AEXIT_BLOCH = ["_aexit", "__aexit__", "blocho_caller", "bloch"];

// The timer task awaited in two subtasks each of two TaskGroups (root1 and root2).
function timerCase(awaiterA: string[], awaiterB: string[]): TaskDump {
  return dump(
    loop(1, [
      task(2, "Task-1"),
      task(3, "timer", [
        [awaiterA, 4],
        [awaiterB, 5],
        [awaiterB, 6],
        [awaiterA, 7],
      ]),
      task(8, "root1", [[AEXIT_MAIN, 2]]),
      task(9, "root2", [[AEXIT_MAIN, 2]]),
      task(4, "child1_1", [[AEXIT_BLOCH, 8]]),
      task(6, "child2_1", [[AEXIT_BLOCH, 8]]),
      task(7, "child1_2", [[AEXIT_BLOCH, 9]]),
      task(5, "child2_2", [[AEXIT_BLOCH, 9]]),
    ]),
    loop(0, []),
  );
}

// Two roots in two threads.
const twoRoots = dump(
  loop(9, [
    task(5, "Task-5"),
    task(6, "Task-6", [[["main2"], 5]]),
    task(7, "Task-7", [[["main2"], 5]]),
    task(8, "Task-8", [[["main2"], 5]]),
  ]),
  loop(10, [
    task(1, "Task-1"),
    task(2, "Task-2", [[["main"], 1]]),
    task(3, "Task-3", [[["main"], 1]]),
    task(4, "Task-4", [[["main"], 1]]),
  ]),
  loop(11, []),
  loop(0, []),
);

// Two roots, one of them without subtasks.
const twoRootsOneAlone = dump(
  loop(1, [task(2, "Task-5")]),
  loop(3, [
    task(4, "Task-1"),
    task(5, "Task-2", [[["main"], 4]]),
    task(6, "Task-3", [[["main"], 4]]),
    task(7, "Task-4", [[["main"], 4]]),
  ]),
  loop(8, []),
  loop(0, []),
);

// Two tasks awaiting each other.
const oneCycle = dump(
  loop(1, [
    task(2, "Task-1"),
    task(3, "a", [
      [["awaiter2"], 4],
      [["main"], 2],
    ]),
    task(4, "b", [[["awaiter"], 3]]),
  ]),
  loop(0, []),
);

// Two cycles.
const twoCycles = dump(
  loop(1, [
    task(2, "Task-1"),
    task(3, "A", [[["nested", "nested", "task_b"], 4]]),
    task(4, "B", [
      [["nested", "nested", "task_c"], 5],
      [["nested", "nested", "task_a"], 3],
    ]),
    task(5, "C", [[["nested", "nested"], 6]]),
    task(6, "Task-2", [[["nested", "nested", "task_b"], 4]]),
  ]),
  loop(0, []),
);

describe("asyncio-ts pstree: buildAsyncTree()", () => {
  // Ported from test_tools.py: TestAsyncioToolsTree.test_asyncio_utils (CPython 3.14)
  it("test_asyncio_utils", () => {
    const withLines = timerCase(
      ["awaiter3 /path/to/app.py:130", "awaiter2 /path/to/app.py:120", "awaiter /path/to/app.py:110"],
      ["awaiterB3 /path/to/app.py:190", "awaiterB2 /path/to/app.py:180", "awaiterB /path/to/app.py:170"],
    );
    assert.deepEqual(buildAsyncTree(withLines), [
      [
        "└── (T) Task-1",
        "    └──  main",
        "        └──  __aexit__",
        "            └──  _aexit",
        "                ├── (T) root1",
        "                │   └──  bloch",
        "                │       └──  blocho_caller",
        "                │           └──  __aexit__",
        "                │               └──  _aexit",
        "                │                   ├── (T) child1_1",
        "                │                   │   └──  awaiter /path/to/app.py:110",
        "                │                   │       └──  awaiter2 /path/to/app.py:120",
        "                │                   │           └──  awaiter3 /path/to/app.py:130",
        "                │                   │               └── (T) timer",
        "                │                   └── (T) child2_1",
        "                │                       └──  awaiterB /path/to/app.py:170",
        "                │                           └──  awaiterB2 /path/to/app.py:180",
        "                │                               └──  awaiterB3 /path/to/app.py:190",
        "                │                                   └── (T) timer",
        "                └── (T) root2",
        "                    └──  bloch",
        "                        └──  blocho_caller",
        "                            └──  __aexit__",
        "                                └──  _aexit",
        "                                    ├── (T) child1_2",
        "                                    │   └──  awaiter /path/to/app.py:110",
        "                                    │       └──  awaiter2 /path/to/app.py:120",
        "                                    │           └──  awaiter3 /path/to/app.py:130",
        "                                    │               └── (T) timer",
        "                                    └── (T) child2_2",
        "                                        └──  awaiterB /path/to/app.py:170",
        "                                            └──  awaiterB2 /path/to/app.py:180",
        "                                                └──  awaiterB3 /path/to/app.py:190",
        "                                                    └── (T) timer",
      ],
    ]);
    assert.deepEqual(buildAsyncTree(twoRoots), [
      [
        "└── (T) Task-5",
        "    └──  main2",
        "        ├── (T) Task-6",
        "        ├── (T) Task-7",
        "        └── (T) Task-8",
      ],
      ["└── (T) Task-1", "    └──  main", "        ├── (T) Task-2", "        ├── (T) Task-3", "        └── (T) Task-4"],
    ]);
    assert.deepEqual(buildAsyncTree(twoRootsOneAlone), [
      ["└── (T) Task-5"],
      ["└── (T) Task-1", "    └──  main", "        ├── (T) Task-2", "        ├── (T) Task-3", "        └── (T) Task-4"],
    ]);
  });

  // Ported from test_tools.py: TestAsyncioToolsTree.test_asyncio_utils_cycles (CPython 3.14)
  it("test_asyncio_utils_cycles", () => {
    assert.deepEqual(cyclesOf(oneCycle), [[4, 3, 4]]);
    assert.deepEqual(cyclesOf(twoCycles), [
      [4, 3, 4],
      [4, 6, 5, 4],
    ]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_empty_input_tree (CPython 3.14)
  it("test_empty_input_tree", () => {
    assert.deepEqual(buildAsyncTree(dump()), []);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_only_independent_tasks_tree (CPython 3.14)
  it("test_only_independent_tasks_tree", () => {
    const input = dump(loop(1, [task(10, "taskA"), task(11, "taskB")]));
    assert.deepEqual(buildAsyncTree(input).sort(), [["└── (T) taskA"], ["└── (T) taskB"]]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_single_task_tree (CPython 3.14)
  it("test_single_task_tree", () => {
    assert.deepEqual(buildAsyncTree(dump(loop(1, [task(2, "Task-1")]))), [["└── (T) Task-1"]]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_cycle_detection (CPython 3.14)
  it("test_cycle_detection", () => {
    const input = dump(loop(1, [task(2, "Task-1", [[["main"], 3]]), task(3, "Task-2", [[["main"], 2]])]));
    assert.throws(() => buildAsyncTree(input), CycleFoundError);
    assert.deepEqual(cyclesOf(input), [[3, 2, 3]]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_complex_tree (CPython 3.14)
  it("test_complex_tree", () => {
    const input = dump(
      loop(1, [task(2, "Task-1"), task(3, "Task-2", [[["main"], 2]]), task(4, "Task-3", [[["main"], 3]])]),
    );
    assert.deepEqual(buildAsyncTree(input), [
      [
        "└── (T) Task-1",
        "    └──  main",
        "        └── (T) Task-2",
        "            └──  main",
        "                └── (T) Task-3",
      ],
    ]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_deep_coroutine_chain (CPython 3.14)
  it("test_deep_coroutine_chain", () => {
    const input = dump(loop(1, [task(10, "leaf", [[["c1", "c2", "c3", "c4", "c5"], 11]]), task(11, "root")]));
    assert.deepEqual(buildAsyncTree(input), [
      [
        "└── (T) root",
        "    └──  c5",
        "        └──  c4",
        "            └──  c3",
        "                └──  c2",
        "                    └──  c1",
        "                        └── (T) leaf",
      ],
    ]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_multiple_cycles_same_node (CPython 3.14)
  it("test_multiple_cycles_same_node", () => {
    const input = dump(
      loop(1, [
        task(1, "Task-A", [[["call1"], 2]]),
        task(2, "Task-B", [[["call2"], 3]]),
        task(3, "Task-C", [
          [["call3"], 1],
          [["call4"], 2],
        ]),
      ]),
    );
    const cycles = cyclesOf(input);
    assert.ok(cycles.some((c) => new Set(c).size === 3 && [1, 2, 3].every((id) => c.includes(id))));
  });

  // Ported from test_tools.py: TestAsyncioToolsEdgeCases.test_task_awaits_self (CPython 3.14)
  it("test_task_awaits_self", () => {
    const input = dump(loop(1, [task(1, "Self-Awaiter", [[["loopback"], 1]])]));
    assert.deepEqual(cyclesOf(input), [[1, 1]]);
  });

  // Ported from test_tools.py: TestAsyncioToolsEdgeCases.test_duplicate_coroutine_frames (CPython 3.14)
  it("test_duplicate_coroutine_frames", () => {
    const input = dump(
      loop(1, [
        task(1, "Task-1", [
          [["frameA"], 2],
          [["frameA"], 3],
        ]),
        task(2, "Task-2"),
        task(3, "Task-3"),
      ]),
    );
    const tree = buildAsyncTree(input);
    for (const [i, other] of [
      [0, "Task-2"],
      [1, "Task-3"],
    ] as const) {
      const flat = tree[i]!.join("\n");
      assert.ok(flat.includes("frameA"));
      assert.ok(flat.includes(other));
      assert.ok(flat.includes("Task-1"));
    }
  });

  // Ported from test_tools.py: TestAsyncioToolsEdgeCases.test_tree_rendering_with_custom_emojis (CPython 3.14)
  it("test_tree_rendering_with_custom_emojis", () => {
    const input = dump(loop(1, [task(1, "MainTask", [[["f1", "f2"], 2]]), task(2, "SubTask")]));
    const flat = buildAsyncTree(input, { taskEmoji: "🧵", corEmoji: "🔁" })[0]!.join("\n");
    for (const text of ["🧵 MainTask", "🔁 f1", "🔁 f2", "🧵 SubTask"]) assert.ok(flat.includes(text), text);
  });

  it("shows the own stack of a task that awaits no task, innermost last", () => {
    const input = dump(
      loop(0, [
        task(1, "Task-1", [], ["taskGroup()", "main()"]),
        task(2, "worker-1", [[["taskGroup()", "main()"], 1]], ["sleep(3600)", "worker()"]),
        task(3, "worker-2", [[["taskGroup()", "main()"], 1]], ["Lock.acquire()", "worker()"]),
      ]),
    );
    assert.deepEqual(buildAsyncTree(input), [
      [
        "└── (T) Task-1",
        "    └──  main()",
        "        └──  taskGroup()",
        "            ├── (T) worker-1",
        "            │   └──  worker()",
        "            │       └──  sleep(3600)",
        "            └── (T) worker-2",
        "                └──  worker()",
        "                    └──  Lock.acquire()",
      ],
    ]);
  });

  it("names each task of a cycle, or its hex id when it is not in the dump", () => {
    const error = new CycleFoundError(
      [
        [4, 3, 4],
        [7, 7],
      ],
      new Map([
        [3, "a"],
        [4, "b"],
      ]),
    );
    assert.deepEqual(formatCycles(error), [
      "ERROR: await-graph contains cycles - cannot print a tree!",
      "",
      "cycle: b → a → b",
      "cycle: 0x7 → 0x7",
    ]);
  });
});

describe("asyncio-ts ps: buildTaskTable()", () => {
  // Ported from test_tools.py: TestAsyncioToolsTable.test_asyncio_utils (CPython 3.14)
  it("test_asyncio_utils", () => {
    const timer = timerCase(["awaiter3", "awaiter2", "awaiter"], ["awaiter1_3", "awaiter1_2", "awaiter1"]);
    assert.deepEqual(buildTaskTable(timer), [
      [1, "0x2", "Task-1", "", "", "", "0x0"],
      [1, "0x3", "timer", "", "awaiter3 -> awaiter2 -> awaiter", "child1_1", "0x4"],
      [1, "0x3", "timer", "", "awaiter1_3 -> awaiter1_2 -> awaiter1", "child2_2", "0x5"],
      [1, "0x3", "timer", "", "awaiter1_3 -> awaiter1_2 -> awaiter1", "child2_1", "0x6"],
      [1, "0x3", "timer", "", "awaiter3 -> awaiter2 -> awaiter", "child1_2", "0x7"],
      [1, "0x8", "root1", "", "_aexit -> __aexit__ -> main", "Task-1", "0x2"],
      [1, "0x9", "root2", "", "_aexit -> __aexit__ -> main", "Task-1", "0x2"],
      [1, "0x4", "child1_1", "", "_aexit -> __aexit__ -> blocho_caller -> bloch", "root1", "0x8"],
      [1, "0x6", "child2_1", "", "_aexit -> __aexit__ -> blocho_caller -> bloch", "root1", "0x8"],
      [1, "0x7", "child1_2", "", "_aexit -> __aexit__ -> blocho_caller -> bloch", "root2", "0x9"],
      [1, "0x5", "child2_2", "", "_aexit -> __aexit__ -> blocho_caller -> bloch", "root2", "0x9"],
    ]);
    assert.deepEqual(buildTaskTable(twoRoots), [
      [9, "0x5", "Task-5", "", "", "", "0x0"],
      [9, "0x6", "Task-6", "", "main2", "Task-5", "0x5"],
      [9, "0x7", "Task-7", "", "main2", "Task-5", "0x5"],
      [9, "0x8", "Task-8", "", "main2", "Task-5", "0x5"],
      [10, "0x1", "Task-1", "", "", "", "0x0"],
      [10, "0x2", "Task-2", "", "main", "Task-1", "0x1"],
      [10, "0x3", "Task-3", "", "main", "Task-1", "0x1"],
      [10, "0x4", "Task-4", "", "main", "Task-1", "0x1"],
    ]);
    assert.deepEqual(buildTaskTable(twoRootsOneAlone), [
      [1, "0x2", "Task-5", "", "", "", "0x0"],
      [3, "0x4", "Task-1", "", "", "", "0x0"],
      [3, "0x5", "Task-2", "", "main", "Task-1", "0x4"],
      [3, "0x6", "Task-3", "", "main", "Task-1", "0x4"],
      [3, "0x7", "Task-4", "", "main", "Task-1", "0x4"],
    ]);
    assert.deepEqual(buildTaskTable(oneCycle), [
      [1, "0x2", "Task-1", "", "", "", "0x0"],
      [1, "0x3", "a", "", "awaiter2", "b", "0x4"],
      [1, "0x3", "a", "", "main", "Task-1", "0x2"],
      [1, "0x4", "b", "", "awaiter", "a", "0x3"],
    ]);
    assert.deepEqual(buildTaskTable(twoCycles), [
      [1, "0x2", "Task-1", "", "", "", "0x0"],
      [1, "0x3", "A", "", "nested -> nested -> task_b", "B", "0x4"],
      [1, "0x4", "B", "", "nested -> nested -> task_c", "C", "0x5"],
      [1, "0x4", "B", "", "nested -> nested -> task_a", "A", "0x3"],
      [1, "0x5", "C", "", "nested -> nested", "Task-2", "0x6"],
      [1, "0x6", "Task-2", "", "nested -> nested -> task_b", "B", "0x4"],
    ]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_empty_input_table (CPython 3.14)
  it("test_empty_input_table", () => {
    assert.deepEqual(buildTaskTable(dump()), []);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_only_independent_tasks_table (CPython 3.14)
  it("test_only_independent_tasks_table", () => {
    const input = dump(loop(1, [task(10, "taskA"), task(11, "taskB")]));
    assert.deepEqual(buildTaskTable(input), [
      [1, "0xa", "taskA", "", "", "", "0x0"],
      [1, "0xb", "taskB", "", "", "", "0x0"],
    ]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_single_task_table (CPython 3.14)
  it("test_single_task_table", () => {
    assert.deepEqual(buildTaskTable(dump(loop(1, [task(2, "Task-1")]))), [[1, "0x2", "Task-1", "", "", "", "0x0"]]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_complex_table (CPython 3.14)
  it("test_complex_table", () => {
    const input = dump(
      loop(1, [task(2, "Task-1"), task(3, "Task-2", [[["main"], 2]]), task(4, "Task-3", [[["main"], 3]])]),
    );
    assert.deepEqual(buildTaskTable(input), [
      [1, "0x2", "Task-1", "", "", "", "0x0"],
      [1, "0x3", "Task-2", "", "main", "Task-1", "0x2"],
      [1, "0x4", "Task-3", "", "main", "Task-2", "0x3"],
    ]);
  });

  // Ported from test_tools.py: TestAsyncioToolsBasic.test_table_output_format (CPython 3.14)
  it("test_table_output_format", () => {
    const input = dump(loop(1, [task(1, "Task-A", [[["foo"], 2]]), task(2, "Task-B")]));
    const table = buildTaskTable(input);
    for (const row of table) {
      assert.equal(row.length, 7);
      assert.ok(Number.isInteger(row[0])); // thread ID
      assert.ok(typeof row[1] === "string" && row[1].startsWith("0x")); // hex task ID
      for (const i of [2, 3, 4, 5]) assert.equal(typeof row[i], "string"); // name, stack, chain, awaiter name
      assert.ok(typeof row[6] === "string" && row[6].startsWith("0x")); // hex awaiter ID
    }
  });

  // Ported from test_tools.py: TestAsyncioToolsEdgeCases.test_task_with_missing_awaiter_id (CPython 3.14)
  it("test_task_with_missing_awaiter_id", () => {
    const table = buildTaskTable(dump(loop(1, [task(1, "Task-A", [[["coro"], 999]])])));
    assert.equal(table.length, 1);
    assert.equal(table[0]![5], "Unknown");
  });

  it("shows each task's coroutine stack, innermost first, whole", () => {
    const input = dump(
      loop(0, [
        task(1, "Task-1", [], ["taskGroup()", "main()"]),
        task(2, "worker-1", [[["taskGroup()", "main()"], 1]], ["a foreign promise", "worker()"]),
      ]),
    );
    assert.deepEqual(buildTaskTable(input), [
      [0, "0x1", "Task-1", "taskGroup() -> main()", "", "", "0x0"],
      [0, "0x2", "worker-1", "a foreign promise -> worker()", "taskGroup() -> main()", "Task-1", "0x1"],
    ]);
  });

  it("prints the columns of CPython's table, padded and never cut", () => {
    const long = "x".repeat(60);
    const lines = formatTaskTable([
      [0, "0x1", "Task-1", "main()", "", "", "0x0"],
      [0, "0x2", long, "", "", "", "0x0"],
    ]);
    assert.deepEqual(lines, [
      `${"tid".padEnd(10)} ${"task id".padEnd(20)} ${"task name".padEnd(20)} ${"coroutine stack".padEnd(50)} ` +
        `${"awaiter chain".padEnd(50)} ${"awaiter name".padEnd(15)} ${"awaiter id".padEnd(15)}`,
      "-".repeat(180),
      `0          0x1                  Task-1               main()${" ".repeat(45)}${" ".repeat(51)}${" ".repeat(16)}0x0${" ".repeat(12)}`,
      `0          0x2                  ${long} ${" ".repeat(50)} ${" ".repeat(50)} ${" ".repeat(15)} 0x0${" ".repeat(12)}`,
    ]);
  });

  it("writes CSV as Python's csv module does: a header, quotes where needed, CRLF", () => {
    const csv = formatTaskCsv([
      [0, "0x1", "Task-1", "main()", "", "", "0x0"],
      [0, "0x2", 'say "hi", twice', "", "", "", "0x0"],
    ]);
    assert.equal(
      csv,
      "tid,task id,task name,coroutine stack,awaiter chain,awaiter name,awaiter id\r\n" +
        "0,0x1,Task-1,main(),,,0x0\r\n" +
        '0,0x2,"say ""hi"", twice",,,,0x0\r\n',
    );
  });
});

describe("asyncio-ts ps and pstree: control characters", () => {
  // A task name, or a label made of one, can carry text from outside the
  // process: printed as is, ESC sequences would drive the terminal and
  // newlines would forge lines.
  const evil = "evil\x1b[2J\nname";
  const shown = "evil\\x1b[2J\\nname";
  const input = dump(
    loop(0, [task(1, evil, [], ["main()"]), task(2, "worker", [[["main()"], 1]], ["wait\u009b\r\t\u007f()"])]),
  );

  it("are escaped in the table", () => {
    const lines = formatTaskTable(buildTaskTable(input)).join("\n").split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[2]!, /^0 +0x1 +evil\\x1b\[2J\\nname +main\(\) +0x0 +$/);
    assert.match(lines[3]!, /^0 +0x2 +worker +wait\\x9b\\r\\t\\x7f\(\) +main\(\) +evil\\x1b\[2J\\nname +0x1 +$/);
  });

  it("are escaped in CSV", () => {
    assert.equal(
      formatTaskCsv(buildTaskTable(input)),
      "tid,task id,task name,coroutine stack,awaiter chain,awaiter name,awaiter id\r\n" +
        `0,0x1,${shown},main(),,,0x0\r\n` +
        `0,0x2,worker,wait\\x9b\\r\\t\\x7f(),main(),${shown},0x1\r\n`,
    );
  });

  it("are escaped in the tree and in a cycle", () => {
    assert.deepEqual(buildAsyncTree(input), [
      [`└── (T) ${shown}`, "    └──  main()", "        └── (T) worker", "            └──  wait\\x9b\\r\\t\\x7f()"],
    ]);
    const cycle = dump(loop(0, [task(1, evil, [[["a()"], 2]]), task(2, "b", [[["b()"], 1]])]));
    assert.throws(
      () => buildAsyncTree(cycle),
      (err: unknown) => {
        assert.ok(err instanceof CycleFoundError);
        assert.deepEqual(formatCycles(err), [
          "ERROR: await-graph contains cycles - cannot print a tree!",
          "",
          `cycle: b → ${shown} → b`,
        ]);
        return true;
      },
    );
  });
});
