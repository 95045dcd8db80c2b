"""A bounded crawl: fetch 10 pages from a local HTTP server, at most 3 at a time."""
import asyncio

PAGES = 10
LIMIT = 3
running = 0
most = 0


async def serve(reader, writer):
    global running, most
    request = await reader.readuntil(b'\r\n\r\n')
    path = request.split(b' ')[1].decode()
    running += 1
    most = max(most, running)
    await asyncio.sleep(0.05)
    running -= 1
    body = f'page {path.rsplit("/", 1)[1]}'.encode()
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' % (len(body), body))
    await writer.drain()
    writer.close()


async def fetch(port, path):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(f'GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'.encode())
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    return response.split(b'\r\n\r\n', 1)[1].decode()


async def main():
    server = await asyncio.start_server(serve, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    semaphore = asyncio.Semaphore(LIMIT)

    async def bounded(path):
        async with semaphore:
            return await fetch(port, path)

    pages = await asyncio.gather(*(bounded(f'/page/{i}') for i in range(1, PAGES + 1)))
    print(f'fetched {len(pages)} pages: {", ".join(pages)}')
    print(f'at most {most} requests at once')
    server.close()
    await server.wait_closed()


asyncio.run(main())
