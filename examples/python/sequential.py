"""Run Sequentially: each await finishes before the next starts (seed 8.6.3)."""
import asyncio


async def hello():
    print('hello')


async def main():
    await hello()
    await hello()
    await hello()


asyncio.run(main())
