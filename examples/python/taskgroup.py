"""A TaskGroup that fails fast: b fails, so the group cancels c and raises an ExceptionGroup."""
import asyncio


class Broken(Exception):
    pass


async def fetch(name, delay, fail=False):
    print(f'{name}: started')
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        print(f'{name}: cancelled')
        raise
    if fail:
        print(f'{name}: failed')
        raise Broken(f'{name} is broken')
    print(f'{name}: finished')
    return name


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fetch('a', 0.1))
            tg.create_task(fetch('b', 0.2, fail=True))
            tg.create_task(fetch('c', 0.3))
    except* Broken as eg:
        print(f'{type(eg).__name__}: {eg}')
        for e in eg.exceptions:
            print(f'caught: {e}')


asyncio.run(main())
