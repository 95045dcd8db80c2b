"""Run as Completed: results in completion order (seed 8.6.5).

as_completed() puts the coroutines in a set, so the order in which they
start is the set's order, which is arbitrary.
"""
import asyncio


async def a():
    print('a: started')
    await asyncio.sleep(0.2)
    print('a: finished')
    return 'a'


async def b():
    print('b: started')
    await asyncio.sleep(0.1)
    print('b: finished')
    return 'b'


async def c():
    print('c: started')
    await asyncio.sleep(0.3)
    print('c: finished')
    return 'c'


async def main():
    todo = [a(), b(), c()]
    for coro in asyncio.as_completed(todo):
        result = await coro
        print(result)


asyncio.run(main())
