"""Run Concurrently: gather() runs a, b, c at once; results in argument order (seed 8.6.4)."""
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
    result = await asyncio.gather(a(), b(), c())
    print(f'Result: {result}')


asyncio.run(main())
