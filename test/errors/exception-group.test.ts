// ExceptionGroup, Python's builtin, with the tests of CPython 3.13's
// Lib/test/test_exception_group.py that apply: JavaScript has no
// BaseException (so no BaseExceptionGroup), no tracebacks, __context__ or
// __notes__ (docs/ported-tests.md says which tests are left out, and why).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ExceptionGroup, type ExceptionMatcher } from "asyncio-ts";

// Python's ValueError; JavaScript's own TypeError stands for Python's.
class ValueError extends Error {
  override name = "ValueError";
}
class OSError extends Error {
  override name = "OSError";
}
class SyntaxError_ extends Error {
  override name = "SyntaxError";
}

/**
 * The shape of an error, as CPython's assertMatchesTemplate compares it: a
 * leaf as `Class(message)`, a group as the list of its errors' shapes.
 */
type Shape = string | Shape[];
function shape(exc: unknown): Shape {
  if (exc instanceof ExceptionGroup) return exc.exceptions.map(shape);
  assert.ok(exc instanceof Error);
  return `${exc.constructor.name}(${exc.message})`;
}

/** The leaf errors of a group, depth first (CPython's leaf_generator). */
function leaves(exc: unknown): unknown[] {
  if (exc === undefined) return [];
  return exc instanceof ExceptionGroup ? exc.exceptions.flatMap(leaves) : [exc];
}

/** CPython's create_simple_eg(): [ValueError(1), TypeError(int), ValueError(2)], the first with a cause. */
function simpleGroup(): ExceptionGroup {
  return new ExceptionGroup("simple eg", [
    new ValueError("1", { cause: new RangeError("cause for ValueError(1)") }),
    new TypeError("int"),
    new ValueError("2"),
  ]);
}
const SIMPLE = ["ValueError(1)", "TypeError(int)", "ValueError(2)"];

/** The predicate forms CPython tries: a function, a callable object's method, a bound method. */
function predicates(f: (e: unknown) => boolean): ((e: unknown) => boolean)[] {
  const holder = {
    f,
    method(e: unknown) {
      return this.f(e);
    },
  };
  return [f, (e) => holder.method(e), holder.method.bind(holder)];
}

/**
 * CPython's split_exception_group(): split() with the checks every split
 * must pass. The match holds only matching leaves, subgroup() gives the same
 * leaves, each leaf is in exactly one part, and the parts keep the group's
 * message, cause and stack.
 */
function checkedSplit(eg: ExceptionGroup, condition: (abstract new (...args: any[]) => unknown)[]) {
  const [match, rest] = eg.split(condition);
  const sg = eg.subgroup(condition);
  const matches = (e: unknown) => condition.some((c) => e instanceof c);
  for (const e of leaves(match)) assert.ok(matches(e));
  for (const e of leaves(sg)) assert.ok(matches(e));
  assert.deepEqual(leaves(match), leaves(sg));
  assert.equal(leaves(eg).length, leaves(match).length + leaves(rest).length);
  for (const e of leaves(eg)) assert.notEqual(leaves(match).includes(e), leaves(rest).includes(e));
  for (const part of [match, rest, sg]) {
    if (part === undefined) continue;
    assert.ok(part instanceof ExceptionGroup);
    assert.equal(part.message, eg.message);
    assert.equal(part.cause, eg.cause);
    assert.equal("cause" in part, "cause" in eg);
    assert.equal(part.stack, eg.stack);
  }
  return [match, rest] as const;
}

describe("ExceptionGroup (test_exception_group.py)", () => {
  // Ported from test_exception_group.py: TestExceptionGroupTypeHierarchy.test_exception_group_types (CPython 3.13)
  it("is an Error and an AggregateError", () => {
    const eg = new ExceptionGroup("eg", [new ValueError("1"), new TypeError("2")]);
    assert.ok(eg instanceof Error);
    assert.ok(eg instanceof AggregateError);
    assert.equal(eg.name, "ExceptionGroup");
    // AggregateError's errors are the exceptions.
    assert.deepEqual(eg.errors, eg.exceptions);
  });

  // Ported from test_exception_group.py: BadConstructorArgs.test_bad_EG_construction__too_many_args,
  // BadConstructorArgs.test_bad_EG_construction__bad_message (CPython 3.13)
  it("needs a message string and errors", () => {
    const missing = /expects a non-empty array of errors second, got undefined/;
    assert.throws(() => new (ExceptionGroup as any)("no errors"), { name: "TypeError", message: missing });
    assert.throws(() => new (ExceptionGroup as any)([new ValueError("no msg")]), {
      name: "TypeError",
      message: /expects a message string first, got \[/,
    });
    assert.throws(() => new (ExceptionGroup as any)(new ValueError("12"), [new SyntaxError_("bad syntax")]), {
      name: "TypeError",
      code: "ERR_ASYNCIO_INVALID_ARG_TYPE",
      message: /^ExceptionGroup\(\) expects a message string first, got /,
    });
    assert.throws(() => new (ExceptionGroup as any)(null, [new ValueError("12")]), {
      name: "TypeError",
      message: "ExceptionGroup() expects a message string first, got null",
    });
  });

  // Ported from test_exception_group.py: BadConstructorArgs.test_bad_EG_construction__bad_excs_sequence (CPython 3.13)
  it("needs a non-empty iterable of errors", () => {
    for (const bad of [null, undefined, 42, "errors"]) {
      assert.throws(() => new ExceptionGroup("eg", bad as never), {
        name: "TypeError",
        code: "ERR_ASYNCIO_INVALID_ARG_TYPE",
        message: /^ExceptionGroup\(\) expects a non-empty array of errors second, got .*: throw the error itself/s,
      });
    }
    // One error instead of a list: shown by its name and message, not its stack.
    assert.throws(() => new ExceptionGroup("eg", new ValueError("42") as never), {
      name: "TypeError",
      message:
        "ExceptionGroup() expects a non-empty array of errors second, got ValueError: 42: put it in an array, [error]",
    });
    // CPython raises ValueError for an empty sequence; a bad argument is a
    // TypeError here.
    assert.throws(() => new ExceptionGroup("eg", []), {
      name: "TypeError",
      message:
        "ExceptionGroup() expects a non-empty array of errors second, got []: throw the error itself when there is none to group",
    });
    // Any iterable is taken, as by AggregateError (CPython refuses a set).
    const fromSet = new ExceptionGroup("errors in a set", new Set([new ValueError("42")]));
    assert.deepEqual(shape(fromSet), ["ValueError(42)"]);
    function* gen() {
      yield new ValueError("1");
      yield new TypeError("2");
    }
    assert.deepEqual(shape(new ExceptionGroup("from a generator", gen())), ["ValueError(1)", "TypeError(2)"]);
  });

  // Ported from test_exception_group.py: InstanceCreation.test_EG_wraps_Exceptions__creates_EG,
  // InstanceCreation.test_EG_subclass_wraps_non_base_exceptions (CPython 3.13)
  it("constructs itself and its subclasses", () => {
    const excs = [new ValueError("1"), new TypeError("2")];
    assert.equal(Object.getPrototypeOf(new ExceptionGroup("eg", excs)), ExceptionGroup.prototype);
    class MyEG extends ExceptionGroup {}
    const mine = new MyEG("eg", [new ValueError("12"), new TypeError("42")]);
    assert.equal(Object.getPrototypeOf(mine), MyEG.prototype);
    assert.ok(mine instanceof ExceptionGroup);
  });

  // Ported from test_exception_group.py: StrAndReprTests.test_ExceptionGroup,
  // StrAndReprTests.test_custom_exception (CPython 3.13)
  it("message is Python's message; toString() adds the name and the count", () => {
    const flat = new ExceptionGroup("flat", [new ValueError("1"), new TypeError("2")]);
    assert.equal(flat.message, "flat");
    // Python's str(eg) is 'flat (2 sub-exceptions)'.
    assert.equal(flat.toString(), "ExceptionGroup: flat (2 sub-exceptions)");
    assert.equal(String(flat), "ExceptionGroup: flat (2 sub-exceptions)");
    const nested = new ExceptionGroup("nested", [flat, new ValueError("1"), flat, new TypeError("2")]);
    assert.equal(String(nested), "ExceptionGroup: nested (4 sub-exceptions)");
    assert.equal(String(new ExceptionGroup("one", [new ValueError()])), "ExceptionGroup: one (1 sub-exception)");
    class MyEG extends ExceptionGroup {
      override name = "MyEG";
    }
    assert.equal(String(new MyEG("flat", [new ValueError("1"), new TypeError("2")])), "MyEG: flat (2 sub-exceptions)");
    // The stack's first line is the plain Error form, as for any Error.
    assert.match(flat.stack!, /^ExceptionGroup: flat\n/);
  });

  // Ported from test_exception_group.py: ExceptionGroupFields.test_fields_are_readonly (CPython 3.13)
  it("exceptions is a frozen array (Python's tuple)", () => {
    const eg = new ExceptionGroup("eg", [new TypeError("1"), new OSError("2")]);
    assert.ok(Array.isArray(eg.exceptions));
    assert.ok(Object.isFrozen(eg.exceptions));
    assert.throws(() => (eg.exceptions as unknown[]).push(new OSError("xyz")), TypeError);
    // The array given is copied, not kept.
    const list = [new ValueError("1")];
    const eg2 = new ExceptionGroup("eg", list);
    list.push(new ValueError("2"));
    assert.equal(eg2.exceptions.length, 1);
  });

  // Ported from test_exception_group.py: ExceptionGroupSubgroupTests.test_basics_subgroup_split__bad_arg_type (CPython 3.13)
  it("split() and subgroup() refuse what is not a class, classes or a predicate", () => {
    const eg = simpleGroup();
    class C {}
    const badArgs: unknown[] = ["bad arg", C, new OSError("instance not type"), [OSError, 42], 42, null];
    for (const arg of badArgs) {
      assert.throws(() => eg.subgroup(arg as ExceptionMatcher), TypeError, String(arg));
      assert.throws(() => eg.split(arg as ExceptionMatcher), TypeError, String(arg));
    }
    assert.throws(() => eg.split("bad arg" as never), {
      code: "ERR_ASYNCIO_INVALID_ARG_TYPE",
      message: "split() and subgroup() expect an Error class, an array of them, or a predicate function, got 'bad arg'",
    });
  });

  // Ported from test_exception_group.py: ExceptionGroupSubgroupTests.test_basics_subgroup_by_type__passthrough (CPython 3.13)
  it("subgroup() returns the group itself when it matches as a whole", () => {
    const eg = simpleGroup();
    assert.equal(eg.subgroup(Error), eg);
    assert.equal(eg.subgroup(AggregateError), eg);
    assert.equal(eg.subgroup(ExceptionGroup), eg);
  });

  // Ported from test_exception_group.py: ExceptionGroupSubgroupTests.test_basics_subgroup_by_type__no_match (CPython 3.13)
  it("subgroup() of nothing that matches is undefined", () => {
    assert.equal(simpleGroup().subgroup(OSError), undefined);
  });

  // Ported from test_exception_group.py: ExceptionGroupSubgroupTests.test_basics_subgroup_by_type__match (CPython 3.13)
  it("subgroup() by a class or an array of classes", () => {
    const eg = simpleGroup();
    const cases: [ExceptionMatcher, Shape][] = [
      [ValueError, ["ValueError(1)", "ValueError(2)"]],
      [TypeError, ["TypeError(int)"]],
      [[ValueError, TypeError], SIMPLE],
    ];
    for (const [matchType, template] of cases) {
      const sub = eg.subgroup(matchType)!;
      assert.equal(Object.getPrototypeOf(sub), ExceptionGroup.prototype);
      assert.equal(sub.message, eg.message);
      assert.deepEqual(shape(sub), template);
    }
  });

  // Ported from test_exception_group.py: ExceptionGroupSubgroupTests.test_basics_subgroup_by_predicate__passthrough,
  // ExceptionGroupSubgroupTests.test_basics_subgroup_by_predicate__no_match (CPython 3.13)
  it("subgroup() by a predicate true or false for all", () => {
    const eg = simpleGroup();
    for (const p of predicates(() => true)) assert.equal(eg.subgroup(p), eg);
    for (const p of predicates(() => false)) assert.equal(eg.subgroup(p), undefined);
  });

  // Ported from test_exception_group.py: ExceptionGroupSubgroupTests.test_basics_subgroup_by_predicate__match (CPython 3.13)
  it("subgroup() by a predicate", () => {
    const eg = simpleGroup();
    const cases: [(abstract new (...args: any[]) => unknown)[], Shape][] = [
      [[ValueError], ["ValueError(1)", "ValueError(2)"]],
      [[TypeError], ["TypeError(int)"]],
      [[ValueError, TypeError], SIMPLE],
    ];
    for (const [types, template] of cases) {
      for (const p of predicates((e) => types.some((t) => e instanceof t))) {
        const sub = eg.subgroup(p)!;
        assert.equal(sub.message, eg.message);
        assert.deepEqual(shape(sub), template);
      }
    }
  });

  // Ported from test_exception_group.py: ExceptionGroupSplitTests.test_basics_split_by_type__passthrough (CPython 3.13)
  it("split() by a class the group is", () => {
    const eg = simpleGroup();
    for (const E of [Error, AggregateError, ExceptionGroup]) {
      const [match, rest] = eg.split(E);
      assert.equal(match, eg);
      assert.deepEqual(shape(match), SIMPLE);
      assert.equal(rest, undefined);
    }
  });

  // Ported from test_exception_group.py: ExceptionGroupSplitTests.test_basics_split_by_type__no_match (CPython 3.13)
  it("split() by a class nothing is", () => {
    const [match, rest] = simpleGroup().split(OSError);
    assert.equal(match, undefined);
    assert.ok(rest instanceof ExceptionGroup);
    assert.deepEqual(shape(rest), SIMPLE);
  });

  // Ported from test_exception_group.py: ExceptionGroupSplitTests.test_basics_split_by_type__match (CPython 3.13)
  it("split() by a class or an array of classes", () => {
    const eg = simpleGroup();
    const cases: [ExceptionMatcher, Shape, Shape | undefined][] = [
      [ValueError, ["ValueError(1)", "ValueError(2)"], ["TypeError(int)"]],
      [TypeError, ["TypeError(int)"], ["ValueError(1)", "ValueError(2)"]],
      [[ValueError, TypeError], SIMPLE, undefined],
      [[OSError, ValueError], ["ValueError(1)", "ValueError(2)"], ["TypeError(int)"]],
    ];
    for (const [matchType, matchTemplate, restTemplate] of cases) {
      const [match, rest] = eg.split(matchType);
      assert.equal(match!.message, eg.message);
      assert.equal(Object.getPrototypeOf(match), ExceptionGroup.prototype);
      assert.deepEqual(shape(match), matchTemplate);
      if (restTemplate === undefined) {
        assert.equal(rest, undefined);
      } else {
        assert.equal(rest!.message, eg.message);
        assert.deepEqual(shape(rest), restTemplate);
      }
    }
  });

  // Ported from test_exception_group.py: ExceptionGroupSplitTests.test_basics_split_by_predicate__passthrough,
  // ExceptionGroupSplitTests.test_basics_split_by_predicate__no_match (CPython 3.13)
  it("split() by a predicate true or false for all", () => {
    const eg = simpleGroup();
    for (const p of predicates(() => true)) {
      const [match, rest] = eg.split(p);
      assert.deepEqual(shape(match), SIMPLE);
      assert.equal(rest, undefined);
    }
    for (const p of predicates(() => false)) {
      const [match, rest] = eg.split(p);
      assert.equal(match, undefined);
      assert.deepEqual(shape(rest), SIMPLE);
    }
  });

  // Ported from test_exception_group.py: ExceptionGroupSplitTests.test_basics_split_by_predicate__match (CPython 3.13)
  it("split() by a predicate", () => {
    const eg = simpleGroup();
    const cases: [(abstract new (...args: any[]) => unknown)[], Shape, Shape | undefined][] = [
      [[ValueError], ["ValueError(1)", "ValueError(2)"], ["TypeError(int)"]],
      [[TypeError], ["TypeError(int)"], ["ValueError(1)", "ValueError(2)"]],
      [[ValueError, TypeError], SIMPLE, undefined],
    ];
    for (const [types, matchTemplate, restTemplate] of cases) {
      for (const p of predicates((e) => types.some((t) => e instanceof t))) {
        const [match, rest] = eg.split(p);
        assert.equal(match!.message, eg.message);
        assert.deepEqual(shape(match), matchTemplate);
        if (restTemplate === undefined) assert.equal(rest, undefined);
        else assert.deepEqual(shape(rest), restTemplate);
      }
    }
  });

  /** A group nested `depth` levels deep around one TypeError. */
  function deepGroup(depth: number): ExceptionGroup {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // Cheap errors: no stack to capture.
    try {
      let e: unknown = new TypeError("1");
      for (let i = 0; i < depth; i++) e = new ExceptionGroup("eg", [e]);
      return e as ExceptionGroup;
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  // Ported from test_exception_group.py: DeepRecursionInSplitAndSubgroup.test_deep_split,
  // DeepRecursionInSplitAndSubgroup.test_deep_subgroup (CPython 3.13)
  it("a group nested too deep to split throws a RangeError (Python's RecursionError)", () => {
    const e = deepGroup(200_000);
    assert.throws(() => e.split(TypeError), RangeError);
    assert.throws(() => e.subgroup(TypeError), RangeError);
  });

  // Ported from test_exception_group.py: NestedExceptionGroupBasicsTest.test_nested_group_matches_template (CPython 3.13)
  it("nests groups", () => {
    const eg = new ExceptionGroup("nested", [
      new ExceptionGroup("inner", [new TypeError("bytes")]),
      new ValueError("1", { cause: new RangeError("cause") }),
    ]);
    assert.deepEqual(shape(eg), [["TypeError(bytes)"], "ValueError(1)"]);
  });

  /** CPython's nested_group() of test_split_by_type: three levels, the middle one a subclass. */
  class MyExceptionGroup extends ExceptionGroup {}
  function nestedGroup(): ExceptionGroup {
    const level1 = (i: number) =>
      new ExceptionGroup("msg1", [new ValueError(`${i}`), new TypeError("int"), new ValueError(`${i + 1}`)]);
    const level2 = (i: number) => new MyExceptionGroup("msg2", [level1(i), level1(i + 1), new ValueError(`${i + 2}`)]);
    const level3 = (i: number) => new ExceptionGroup("msg3", [level2(i + 1), new ValueError(`${i + 2}`)]);
    return level3(5);
  }

  // Ported from test_exception_group.py: NestedExceptionGroupSplitTest.test_split_by_type (CPython 3.13)
  it("split() of nested groups keeps their structure", () => {
    const eg = nestedGroup();
    const egTemplate = [
      [
        ["ValueError(6)", "TypeError(int)", "ValueError(7)"],
        ["ValueError(7)", "TypeError(int)", "ValueError(8)"],
        "ValueError(8)",
      ],
      "ValueError(7)",
    ];
    const valueErrorsTemplate = [
      [["ValueError(6)", "ValueError(7)"], ["ValueError(7)", "ValueError(8)"], "ValueError(8)"],
      "ValueError(7)",
    ];
    const typeErrorsTemplate = [[["TypeError(int)"], ["TypeError(int)"]]];
    assert.deepEqual(shape(eg), egTemplate);

    // Match nothing.
    let [match, rest] = checkedSplit(eg, [SyntaxError_]);
    assert.equal(match, undefined);
    assert.deepEqual(shape(rest), egTemplate);
    // Match everything.
    [match, rest] = checkedSplit(eg, [Error]);
    assert.deepEqual(shape(match), egTemplate);
    assert.equal(rest, undefined);
    [match, rest] = checkedSplit(eg, [ValueError, TypeError]);
    assert.deepEqual(shape(match), egTemplate);
    assert.equal(rest, undefined);
    // Match the ValueErrors.
    [match, rest] = checkedSplit(eg, [ValueError]);
    assert.deepEqual(shape(match), valueErrorsTemplate);
    assert.deepEqual(shape(rest), typeErrorsTemplate);
    // Match the TypeErrors.
    [match, rest] = checkedSplit(eg, [TypeError, SyntaxError_]);
    assert.deepEqual(shape(match), typeErrorsTemplate);
    assert.deepEqual(shape(rest), valueErrorsTemplate);
    // Match ExceptionGroup: the whole group.
    [match, rest] = eg.split(ExceptionGroup);
    assert.equal(match, eg);
    assert.equal(rest, undefined);
    // Match MyExceptionGroup (a subclass): the nested group, whole.
    [match, rest] = eg.split(MyExceptionGroup);
    assert.deepEqual(shape(match), [egTemplate[0]]);
    assert.equal(match!.exceptions[0], eg.exceptions[0]);
    assert.deepEqual(shape(rest), [egTemplate[1]]);
  });

  // Ported from test_exception_group.py: NestedExceptionGroupSplitTest.test_drive_invalid_return_value (CPython 3.13)
  it("split() and subgroup() refuse a derive() that returns no ExceptionGroup", () => {
    class MyEg extends ExceptionGroup {
      override derive(): never {
        return 42 as never;
      }
    }
    const eg = new MyEg("eg", [new TypeError("1"), new ValueError("2")]);
    const refusal = {
      name: "TypeError",
      message: "derive() must return an ExceptionGroup, got 42: return new ExceptionGroup(...)",
    };
    assert.throws(() => eg.split(TypeError), refusal);
    assert.throws(() => eg.subgroup(TypeError), refusal);
  });

  // Ported from test_exception_group.py: NestedExceptionGroupSubclassSplitTest.test_split_ExceptionGroup_subclass_no_derive_no_new_override (CPython 3.13)
  it("the parts of a subclass without derive() are plain ExceptionGroups", () => {
    class EG extends ExceptionGroup {}
    const eg = new EG("eg", [new ValueError("1"), new EG("nested", [new TypeError("2")])]);
    assert.deepEqual(shape(eg), ["ValueError(1)", ["TypeError(2)"]]);
    const plain = (x: unknown) => assert.equal(Object.getPrototypeOf(x), ExceptionGroup.prototype);

    let [match, rest] = checkedSplit(eg, [OSError]);
    assert.equal(match, undefined);
    plain(rest);
    assert.deepEqual(shape(rest), ["ValueError(1)", ["TypeError(2)"]]);

    [match, rest] = checkedSplit(eg, [ValueError, TypeError]);
    plain(match);
    assert.deepEqual(shape(match), ["ValueError(1)", ["TypeError(2)"]]);
    assert.equal(rest, undefined);

    [match, rest] = checkedSplit(eg, [ValueError]);
    plain(match);
    assert.deepEqual(shape(match), ["ValueError(1)"]);
    plain(rest);
    assert.deepEqual(shape(rest), [["TypeError(2)"]]);

    [match, rest] = checkedSplit(eg, [TypeError]);
    assert.deepEqual(shape(match), [["TypeError(2)"]]);
    assert.deepEqual(shape(rest), ["ValueError(1)"]);
  });

  // Ported from test_exception_group.py: NestedExceptionGroupSubclassSplitTest.test_split_ExceptionGroup_subclass_derive_and_new_overrides (CPython 3.13)
  it("a subclass's derive() makes its parts", () => {
    class EG<E = unknown> extends ExceptionGroup<E> {
      constructor(
        message: string,
        excs: Iterable<E>,
        readonly num: number, // CPython's test names it code; here code is the error code
      ) {
        super(message, excs);
      }
      override derive<F>(excs: Iterable<F>): EG<F> {
        return new EG(this.message, excs, this.num);
      }
    }
    const eg = new EG("eg", [new ValueError("1"), new EG("nested", [new TypeError("2")], 101)], 42);
    assert.deepEqual(shape(eg), ["ValueError(1)", ["TypeError(2)"]]);
    const code = (x: unknown) => {
      assert.ok(x instanceof EG);
      return x.num;
    };

    let [match, rest] = checkedSplit(eg, [OSError]);
    assert.equal(match, undefined);
    assert.deepEqual(shape(rest), ["ValueError(1)", ["TypeError(2)"]]);
    assert.equal(code(rest), 42);
    assert.equal(code(rest!.exceptions[1]), 101);

    [match, rest] = checkedSplit(eg, [ValueError, TypeError]);
    assert.deepEqual(shape(match), ["ValueError(1)", ["TypeError(2)"]]);
    assert.equal(code(match), 42);
    assert.equal(code(match!.exceptions[1]), 101);
    assert.equal(rest, undefined);

    [match, rest] = checkedSplit(eg, [ValueError]);
    assert.deepEqual(shape(match), ["ValueError(1)"]);
    assert.equal(code(match), 42);
    assert.deepEqual(shape(rest), [["TypeError(2)"]]);
    assert.equal(code(rest), 42);
  });
});

describe("ExceptionGroup in JavaScript", () => {
  it("split() of a nested group gives CPython's parts", () => {
    // CPython 3.13: ExceptionGroup("outer", [ValueError(1), ExceptionGroup("inner",
    // [TypeError(2), ValueError(3)])]).split(ValueError) gives
    // outer[ValueError(1), inner[ValueError(3)]] and outer[inner[TypeError(2)]].
    const inner = new ExceptionGroup("inner", [new TypeError("2"), new ValueError("3")]);
    const eg = new ExceptionGroup("outer", [new ValueError("1"), inner]);
    const [match, rest] = eg.split(ValueError);
    assert.deepEqual(shape(match), ["ValueError(1)", ["ValueError(3)"]]);
    assert.deepEqual(shape(rest), [["TypeError(2)"]]);
    assert.equal(match!.message, "outer");
    assert.equal((match!.exceptions[1] as ExceptionGroup).message, "inner");
    assert.equal((rest!.exceptions[0] as ExceptionGroup).message, "inner");
    // The leaves are the same objects.
    assert.equal(match!.exceptions[0], eg.exceptions[0]);
    assert.equal((match!.exceptions[1] as ExceptionGroup).exceptions[0], inner.exceptions[1]);
  });

  it("calls a predicate on the groups too, outer first, as CPython does", () => {
    const eg = new ExceptionGroup("outer", [
      new ValueError("1"),
      new ExceptionGroup("inner", [new TypeError("2"), new ValueError("3")]),
    ]);
    const seen: string[] = [];
    eg.split((e) => {
      seen.push(e instanceof ExceptionGroup ? `group ${e.message}` : (e as Error).message);
      return false;
    });
    // CPython 3.13: outer, ValueError 1, inner, TypeError 2, ValueError 3.
    assert.deepEqual(seen, ["group outer", "1", "group inner", "2", "3"]);
    // A nested group that matches goes into the match whole.
    const inner = eg.exceptions[1];
    const [match, rest] = eg.split((e) => e === inner);
    assert.equal(match!.exceptions[0], inner);
    assert.deepEqual(shape(rest), ["ValueError(1)"]);
  });

  it("a split that keeps every leaf still makes a new group, unless the group itself matches", () => {
    const eg = simpleGroup();
    const [match] = eg.split([ValueError, TypeError]);
    assert.notEqual(match, eg); // As CPython's `m is eg`: False.
    assert.deepEqual(shape(match), SIMPLE);
    assert.equal(eg.split(ExceptionGroup)[0], eg);
  });

  it("the parts keep the group's cause and stack", () => {
    const cause = new RangeError("k");
    const eg = new ExceptionGroup("c", [new ValueError("1"), new TypeError("2")], { cause });
    const [match, rest] = eg.split(ValueError);
    assert.equal(match!.cause, cause);
    assert.equal(rest!.cause, cause);
    assert.equal(match!.stack, eg.stack);
    assert.equal(rest!.stack, eg.stack);
    // Without a cause, the parts have none.
    const [m2] = simpleGroup().split(ValueError);
    assert.equal("cause" in m2!, false);
  });

  it("split() refuses a class that does not extend Error with its own message", () => {
    class NotAnError {}
    assert.throws(() => new ExceptionGroup("eg", [new Error("e")]).split(NotAnError), {
      name: "TypeError",
      message:
        /^split\(\) and subgroup\(\) expect an Error class, an array of them, or a predicate function, got \[class NotAnError\]/,
    });
  });

  it("derive() makes a plain group with the message and the errors given", () => {
    class MyEG extends ExceptionGroup {}
    const eg = new MyEG("my", [new ValueError("1"), new TypeError("2")], { cause: new RangeError() });
    const derived = eg.derive([new OSError("3")]);
    assert.equal(Object.getPrototypeOf(derived), ExceptionGroup.prototype);
    assert.equal(derived.message, "my");
    assert.deepEqual(shape(derived), ["OSError(3)"]);
    // derive() alone copies nothing else; split() copies the cause.
    assert.equal("cause" in derived, false);
  });

  it("takes thrown values that are not Errors", () => {
    const eg = new ExceptionGroup("any", ["str", undefined, 42, new ValueError("1")]);
    assert.deepEqual(eg.exceptions, ["str", undefined, 42, eg.exceptions[3]]);
    const [match, rest] = eg.split((e) => typeof e === "string");
    assert.deepEqual(match!.exceptions, ["str"]);
    assert.equal(rest!.exceptions.length, 3);
    assert.equal(eg.split(ValueError)[0]!.exceptions[0], eg.exceptions[3]);
  });
});
