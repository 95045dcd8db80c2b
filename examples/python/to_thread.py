import asyncio
import time


def work():
    print(f'Work started {time.strftime("%X")}')
    time.sleep(2)  # Blocking
    print(f'Work done at {time.strftime("%X")}')


async def main():
    print(f'Started main at {time.strftime("%X")}')
    await asyncio.gather(
        asyncio.to_thread(work),
        asyncio.sleep(1))
    print(f'Finished main at {time.strftime("%X")}')


asyncio.run(main())
