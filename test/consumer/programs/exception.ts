// exception() is unknown: a Task can fail with any thrown value, so code
// narrows it before use.
import { createTask } from "asyncio-ts";

export async function main(): Promise<string> {
  const task = createTask(async () => {
    throw "a string, not an Error";
  });
  await task.then(undefined, () => {});
  const exc = task.exception();
  // @ts-expect-error TS18046 unknown: narrow it first
  const unchecked = exc.message;
  if (exc instanceof Error) return exc.message;
  return `${String(exc)} ${unchecked}`;
}
