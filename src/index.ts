/**
 * asyncio-ts: Python's asyncio model in TypeScript.
 *
 * The public API, grouped like asyncio's `__all__`.
 *
 * @module
 */

// runners.py
export { run, Runner, type RunOptions, type Main } from "./runners.js";

// events.py, base_events.py
export { EventLoop, type EventLoopOptions, type ExceptionContext, type ExceptionHandler } from "./loop/event-loop.js";
export { Handle, TimerHandle } from "./loop/handles.js";
export { getRunningLoop } from "./loop/running-loop.js";
export { type Clock, MonotonicClock, VirtualClock } from "./loop/clock.js";

// futures.py
export { Future, isFuture, type DoneCallback, type FutureOptions } from "./futures.js";

// coroutines.py
export { Coroutine, coroutine, isCoroutine } from "./tasks/coroutine.js";

// tasks.py
export {
  Task,
  createTask,
  createEagerTaskFactory,
  eagerTaskFactory,
  type TaskBody,
  type TaskConstructor,
  type TaskFactory,
  type TaskOptions,
} from "./tasks/task.js";
export { currentTask, allTasks } from "./tasks/current-task.js";
export { ensureFuture, type AwaitableLike, type ResultOf } from "./tasks/ensure-future.js";
export { sleep } from "./tasks/sleep.js";
export {
  gather,
  GatheringFuture,
  type GatherOptions,
  type GatherResults,
  type GatherResultsOrErrors,
} from "./tasks/gather.js";
export { asCompleted, AsCompleted, type AsCompletedOptions, type DoneFuture } from "./tasks/as-completed.js";
export { waitFor } from "./tasks/wait-for.js";
export { shield } from "./tasks/shield.js";
export { wait, type WaitOptions, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from "./tasks/wait.js";
// asyncio-ts's own: bounded fan-out
export { map, type MapOptions } from "./tasks/map.js";

// threads.py, concurrent.futures
export { toThread } from "./threads/to-thread.js";
export {
  ThreadPoolExecutor,
  registerErrorClass,
  type ThreadPoolExecutorOptions,
  type ShutdownOptions,
} from "./threads/executor.js";
export {
  moduleFunction,
  cancellable,
  transfer,
  type ModuleFunction,
  type CancellableFunction,
  type CancellableOptions,
  type JobSignal,
} from "./threads/function-source.js";

// timeouts.py
export { timeout, timeoutAt, Timeout, type TimeoutBody, type TimeoutOptions, type SignalOptions } from "./timeouts.js";

// taskgroups.py
export { taskGroup, TaskGroup, type TaskGroupBody, type TaskGroupOptions } from "./tasks/taskgroup.js";

// graph.py (CPython 3.14)
export {
  captureCallGraph,
  formatCallGraph,
  printCallGraph,
  type FutureCallGraph,
  type FrameCallGraphEntry,
  type CallGraphOptions,
  type FormatCallGraphOptions,
  type PrintCallGraphOptions,
} from "./debug/graph.js";

// contextlib.py
export { aclosing, type AsyncClosable } from "./aclosing.js";

// queues.py
export {
  Queue,
  LifoQueue,
  PriorityQueue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  type QueueOptions,
  type PriorityQueueOptions,
} from "./queues.js";

// locks.py (and BrokenBarrierError, of exceptions.py)
export { Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier, BrokenBarrierError } from "./locks.js";

// exceptions.py
export {
  CancelledError,
  TimeoutError,
  InvalidStateError,
  RuntimeError,
  KeyboardInterrupt,
  WorkerError,
  isCancelled,
  // Python's builtin ExceptionGroup
  ExceptionGroup,
  type ExceptionMatcher,
} from "./errors.js";
