/**
 * A bounded crawl: fetch 10 pages from a local HTTP server, at most 3 at a
 * time, with map(); the results come in the order of the pages.
 *
 * Python's twin (examples/python/crawl.py) bounds gather() with a
 * Semaphore, asyncio's usual idiom; map() does it without creating a task
 * per page up front.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { map, run } from "asyncio-ts";

const PAGES = 10;
const LIMIT = 3;

async function main(): Promise<void> {
  // The server: each page takes 50 ms, and it counts the requests it serves at once.
  let running = 0;
  let most = 0;
  const server = createServer((request, response) => {
    most = Math.max(most, ++running);
    setTimeout(() => {
      running--;
      response.setHeader("Connection", "close");
      response.end(`page ${request.url!.split("/").pop()}`);
    }, 50);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const paths = Array.from({ length: PAGES }, (_, i) => `/page/${i + 1}`);
  const pages = await map(paths, async (path) => (await fetch(`http://127.0.0.1:${port}${path}`)).text(), {
    limit: LIMIT,
  });
  console.log(`fetched ${pages.length} pages: ${pages.join(", ")}`);
  console.log(`at most ${most} requests at once`);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

await run(main);
