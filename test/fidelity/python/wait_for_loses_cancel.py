# GH-86296: wait_for() lost a cancel that came while the task it waited for
# was finishing; CPython 3.12+ (wait_for on top of timeout()) keeps it.
import asyncio
class ProbeError(Exception): pass
async def main():
    gate = asyncio.get_running_loop().create_future()
    async def inner():
        await gate
        raise ProbeError("inner")
    async def outer():
        return await asyncio.wait_for(inner_t, 10)
    inner_t = asyncio.create_task(inner())
    outer_t = asyncio.create_task(outer())
    await asyncio.sleep(0); await asyncio.sleep(0)
    gate.set_result(None)
    await asyncio.sleep(0)          # inner failed; outer's wake-up is queued
    print("outer.cancel() ->", outer_t.cancel())
    try: await outer_t
    except BaseException: pass
    print("outer:", "cancelled" if outer_t.cancelled() else repr(outer_t.exception()))
asyncio.run(main())
