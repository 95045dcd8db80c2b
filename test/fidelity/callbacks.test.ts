/**
 * Reports of failing callbacks against CPython 3.13, whose format_helpers
 * show a callback's arguments only in debug mode (they may hold sensitive
 * data). CPython adds ` at file:line`; both programs print the message
 * without it.
 */
import { describe, it } from "node:test";
import { Future, getRunningLoop, sleep } from "asyncio-ts";
import { twin } from "./twin.js";

describe("fidelity: reports of failing callbacks", () => {
  it("a failing done callback or callSoon callback is reported as `cb()`, without its arguments, outside debug mode", () =>
    twin({
      python: `
        import asyncio, re
        def cb(fut):
            raise ValueError("boom")
        def handler(loop, context):
            print(re.sub(r" at \\S+?:\\d+", "", context["message"]), "|", repr(context["exception"].args[0]))
        async def main():
            loop = asyncio.get_running_loop()
            loop.set_exception_handler(handler)
            f = loop.create_future()
            f.add_done_callback(cb)
            f.set_result(1)
            await asyncio.sleep(0)
            loop.call_soon(cb, f)
            await asyncio.sleep(0)
        asyncio.run(main())
      `,
      expected: ["Exception in callback cb() | 'boom'", "Exception in callback cb() | 'boom'"],
      ts: async (print) => {
        const cb = (_fut: Future<number>): void => {
          throw new Error("boom");
        };
        const loop = getRunningLoop();
        loop.setExceptionHandler((_loop, context) => {
          print(context.message, "|", `'${(context.exception as Error).message}'`);
        });
        const f = new Future<number>();
        f.addDoneCallback(cb);
        f.setResult(1);
        await sleep(0);
        loop.callSoon(cb, f);
        await sleep(0);
      },
    }));
});
