"""Run Coroutine: asyncio.run() runs one coroutine (seed 8.6.2)."""
import asyncio


async def hello():
    print('hello')


asyncio.run(hello())
