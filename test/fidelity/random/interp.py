"""Runs random asyncio programs (the op language of ops.ts) under CPython 3.13.

Reads one JSON program per line on stdin; writes one JSON trace per line on
stdout: {"seed": n, "lines": [...]} plus "skip" when the program's trace is
not determined by asyncio's rules (see VirtualSelector). interp.ts is the
same interpreter for asyncio-ts; the two must stay statement for statement
equal, and print the same text.

Time is virtual: when nothing is ready, the loop jumps to its next timer.
"""

import asyncio
import gc
import heapq
import json
import selectors
import sys

assert sys.version_info[:2] == (3, 13), "CPython 3.13 expected, got " + sys.version


class Deadlock(Exception):
    pass


class VirtualSelector(selectors.BaseSelector):
    """A selector that never waits: it moves the loop's clock to the next timer.

    It also checks that the timers about to run leave CPython's heap in the
    order they were scheduled in. heapq is not stable: timers due at the
    same instant may run in another order than their scheduling, where
    asyncio-ts runs them first-scheduled first. Such a program is skipped.
    """

    def __init__(self, loop_ref):
        self._real = selectors.DefaultSelector()
        self._loop = loop_ref

    def register(self, fileobj, events, data=None):
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj):
        return self._real.unregister(fileobj)

    def modify(self, fileobj, events, data=None):
        return self._real.modify(fileobj, events, data)

    def get_map(self):
        return self._real.get_map()

    def close(self):
        self._real.close()

    def select(self, timeout=None):
        loop = self._loop()
        if timeout is None:
            raise Deadlock("nothing ready and no timer")
        if timeout > 0:
            loop._vtime = max(loop._vtime, loop._scheduled[0]._when)
        end = loop._vtime + loop._clock_resolution
        heap = list(loop._scheduled)
        due = []
        while heap and heap[0]._when < end:
            h = heapq.heappop(heap)
            if not h._cancelled:
                due.append(h)
        order = [loop._seq[id(h)][0] for h in due]
        if order != sorted(order) and loop.skip is None:
            loop.skip = "timers due together left CPython's heap out of scheduling order"
        return self._real.select(0)


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        import weakref

        self._vtime = 0.0
        self._seq = {}  # id(TimerHandle) -> (scheduling order, handle)
        self._next_seq = 0
        self.skip = None
        super().__init__(VirtualSelector(weakref.ref(self)))

    def time(self):
        return self._vtime

    def call_at(self, when, callback, *args, context=None):
        handle = super().call_at(when, callback, *args, context=context)
        self._next_seq += 1
        self._seq[id(handle)] = (self._next_seq, handle)
        return handle


# Errors printed with their message. TimeoutError's is not: asyncio-ts says
# what timed out, where CPython's is empty.
NAMES = {asyncio.CancelledError: "CancelledError", ValueError: "ValueError"}


def fmt(x):
    """A value as both interpreters print it."""
    if x is None:
        return "None"
    if x is True:
        return "True"
    if x is False:
        return "False"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        # As JavaScript's String(number), for the values programs print.
        return str(int(x)) if x.is_integer() else repr(x)
    if isinstance(x, str):
        return "'" + x + "'"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in x) + "]"
    if isinstance(x, BaseException):
        name = NAMES.get(type(x))
        if name is not None:
            return name + "(" + fmt(str(x)) + ")"
        return type(x).__name__ + "(...)"
    return "<" + type(x).__name__ + ">"


def make_error(msg):
    return ValueError(msg)


class Run:
    def __init__(self, program):
        self.program = program
        self.tick = program["tick"]
        self.procs = program["procs"]
        self.lines = []
        self.reports = []  # what reached the loop's exception handler
        self.vars = {}  # t<i>, g<n>, f<n> -> Future
        self.tasks = {}  # p<i> -> Task, for every procedure run as its own task
        self.coros = {}  # id(coroutine) -> (i, coroutine), for the tasks that gather and shield make

    def pr(self, line):
        self.lines.append(line)

    def now(self):
        return fmt(asyncio.get_running_loop().time() / self.tick)

    def secs(self, k):
        return None if k is None else k * self.tick

    def describe(self, fut):
        if not fut.done():
            s = "pending"
        elif fut.cancelled():
            s = "cancelled"
        elif fut.exception() is not None:
            s = "raised " + fmt(fut.exception())
        else:
            s = "-> " + fmt(fut.result())
        if isinstance(fut, asyncio.Task):
            s += " cancelling=" + str(fut.cancelling())
        return s

    def name_of(self, fut):
        for k, v in self.vars.items():
            if v is fut:
                return k
        return "?"

    async def proc(self, p, own_task):
        me = "p" + str(p)
        if own_task:
            self.tasks.setdefault(me, asyncio.current_task())
        try:
            await self.block(self.procs[p]["body"], me)
        except BaseException as e:
            self.pr(f"{me}: raised {fmt(e)}")
            raise
        self.pr(f"{me}: return {p}")
        return p

    def call(self, p, own_task):
        c = self.proc(p, own_task)
        self.coros[id(c)] = (p, c)
        return c

    def target(self, tg, me):
        """The awaitable a Target names, or None when its variable is unset."""
        if "p" in tg:
            return self.call(tg["p"], True)
        v = tg.get("t") or tg.get("f")
        return self.vars.get(v)

    def target_inline(self, tg):
        # wait_for runs a coroutine inline in the waiting task (3.12+).
        if "p" in tg:
            return self.call(tg["p"], False)
        return self.vars.get(tg.get("t") or tg.get("f"))

    def settle(self, fut, outcome):
        if "result" in outcome:
            fut.set_result(outcome["result"])
        else:
            fut.set_exception(make_error(outcome["error"]))

    async def block(self, stmts, me):
        for s in stmts:
            await self.stmt(s, me)

    async def stmt(self, s, me):
        op = s["op"]
        loop = asyncio.get_running_loop()
        if op == "sleep":
            await asyncio.sleep(s["k"] * self.tick)
            self.pr(f"{me}: slept {s['k']} @{self.now()}")
        elif op == "spawn":
            p = s["p"]
            t = asyncio.create_task(self.proc(p, True))
            self.tasks["p" + str(p)] = t
            self.vars["t" + str(p)] = t
            self.pr(f"{me}: spawn t{p}")
        elif op == "await":
            fut = self.vars.get(s["v"])
            if fut is None:
                self.pr(f"{me}: await {s['v']} unset")
                return
            r = await fut
            self.pr(f"{me}: await {s['v']} -> {fmt(r)} @{self.now()}")
        elif op == "cancel":
            fut = asyncio.current_task() if s["v"] == "self" else self.vars.get(s["v"])
            if fut is None:
                self.pr(f"{me}: cancel {s['v']} unset")
                return
            r = fut.cancel() if s["msg"] is None else fut.cancel(s["msg"])
            self.pr(f"{me}: cancel {s['v']} -> {fmt(r)}")
        elif op in ("uncancel", "cancelling"):
            t = asyncio.current_task() if s["v"] == "self" else self.vars.get(s["v"])
            if t is None:
                self.pr(f"{me}: {op} {s['v']} unset")
                return
            n = t.uncancel() if op == "uncancel" else t.cancelling()
            self.pr(f"{me}: {op} {s['v']} -> {n}")
        elif op == "state":
            fut = self.vars.get(s["v"])
            self.pr(f"{me}: {s['v']} " + ("unset" if fut is None else self.describe(fut)))
        elif op == "gather":
            items = [self.target(tg, me) for tg in s["items"]]
            g = asyncio.gather(*[x for x in items if x is not None], return_exceptions=s["rx"])
            self.vars[s["g"]] = g
            self.pr(f"{me}: gather {s['g']} done={fmt(g.done())}")
            r = await g
            self.pr(f"{me}: gather {s['g']} -> {fmt(r)} @{self.now()}")
        elif op == "waitFor":
            x = self.target_inline(s["target"])
            if x is None:
                self.pr(f"{me}: waitFor unset")
                return
            r = await asyncio.wait_for(x, self.secs(s["k"]))
            self.pr(f"{me}: waitFor -> {fmt(r)} @{self.now()}")
        elif op == "timeout":
            async with asyncio.timeout(self.secs(s["k"])) as cm:
                await self.block(s["body"], me)
            self.pr(f"{me}: timeout block done expired={fmt(cm.expired())} @{self.now()}")
        elif op == "shield":
            x = self.target(s["target"], me)
            if x is None:
                self.pr(f"{me}: shield unset")
                return
            r = await asyncio.shield(x)
            self.pr(f"{me}: shield -> {fmt(r)} @{self.now()}")
        elif op == "wait":
            fs = {self.vars[v] for v in s["vs"] if v in self.vars}
            if not fs:
                self.pr(f"{me}: wait nothing")
                return
            done, pending = await asyncio.wait(fs, timeout=self.secs(s["k"]), return_when=s["when"])
            d = sorted(self.name_of(f) for f in done)
            p = sorted(self.name_of(f) for f in pending)
            self.pr(f"{me}: wait -> done=[{', '.join(d)}] pending=[{', '.join(p)}] @{self.now()}")
        elif op == "future":
            fut = loop.create_future()
            self.vars[s["f"]] = fut
            name, outcome = s["f"], s["outcome"]

            def cb():
                if fut.done():
                    self.pr(f"cb: {name} already done")
                else:
                    self.settle(fut, outcome)
                    self.pr(f"cb: {name} settled @{self.now()}")

            if s["after"] is None:
                loop.call_soon(cb)
            else:
                loop.call_later(s["after"] * self.tick, cb)
            self.pr(f"{me}: future {name}")
        elif op == "setFut":
            fut = self.vars.get(s["f"])
            if fut is None:
                self.pr(f"{me}: set {s['f']} unset")
                return
            try:
                self.settle(fut, s["outcome"])
                self.pr(f"{me}: set {s['f']} ok")
            except asyncio.InvalidStateError as e:
                self.pr(f"{me}: set {s['f']} {fmt(e)}")
        elif op == "doneCb":
            fut = self.vars.get(s["v"])
            if fut is None:
                self.pr(f"{me}: doneCb {s['v']} unset")
                return
            v = s["v"]
            fut.add_done_callback(lambda f: self.pr(f"cb: {v} {self.describe(f)}"))
            self.pr(f"{me}: doneCb {v}")
        elif op == "raise":
            raise make_error(s["msg"])
        elif op == "try":
            oc, oe = s["onCancel"], s["onError"]
            try:
                await self.block(s["body"], me)
            except asyncio.CancelledError as e:
                if oc == "none":
                    raise
                self.pr(f"{me}: caught {fmt(e)} cancelling={asyncio.current_task().cancelling()}")
                if oc == "print-reraise":
                    raise
                if oc == "uncancel-swallow":
                    self.pr(f"{me}: uncancel -> {asyncio.current_task().uncancel()}")
            except Exception as e:
                if oe == "none":
                    raise
                self.pr(f"{me}: caught {fmt(e)}")
                if oe == "print-reraise":
                    raise
            finally:
                if s["fin"] is not None:
                    self.pr(f"{me}: finally")
                    await self.block(s["fin"], me)
        else:
            raise AssertionError("unknown op " + op)

    async def main(self):
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, ctx: self.reports.append(ctx["message"]))
        self.vars["t0"] = asyncio.current_task()
        try:
            await self.proc(0, False)
        finally:
            await self.cleanup()

    async def cleanup(self):
        # Wait for every task still running, in a fixed order (asyncio.run
        # would cancel them in the order of a set), then show how each ended.
        while True:
            # Tasks that gather or shield made, not started yet, are known by their coroutine.
            for t in asyncio.all_tasks():
                known = self.coros.get(id(t.get_coro()))
                if known is not None and not t.done():
                    self.tasks.setdefault("p" + str(known[0]), t)
            pending = [t for _, t in sorted(self.tasks.items(), key=lambda kv: int(kv[0][1:])) if not t.done()]
            if not pending:
                break
            try:
                await asyncio.wait(pending)
            except asyncio.CancelledError as e:
                self.pr(f"p0: cancelled in cleanup {fmt(e)}")
        for k in sorted(self.vars, key=lambda k: (k[0], int(k[1:]))):
            if k != "t0":
                self.pr(f"end: {k} {self.describe(self.vars[k])}")


def run_one(program):
    r = Run(program)
    loop_box = []

    def factory():
        loop = VirtualLoop()
        loop_box.append(loop)
        return loop

    try:
        asyncio.run(r.main(), loop_factory=factory)
        r.pr("run: returned")
    except Deadlock:
        return {"seed": program["seed"], "lines": r.lines, "skip": "deadlock"}
    except BaseException as e:
        r.pr(f"run: raised {fmt(e)}")
    # "Task exception was never retrieved" comes when the Task is collected:
    # collect everything now. asyncio-ts reports at the latest when its loop
    # closes; both sides print the reports after the run, sorted.
    skip = loop_box[0].skip
    loop_box[0]._seq.clear()
    loop_box.clear()
    r.vars.clear()
    r.tasks.clear()
    r.coros.clear()
    gc.collect()
    r.lines.extend("report: " + m for m in sorted(r.reports))
    out = {"seed": program["seed"], "lines": r.lines}
    if skip is not None:
        out["skip"] = skip
    return out


def main():
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(run_one(json.loads(line))) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
