// Long loops of synchronous file system calls (a call is a few microseconds; a trip to libuv's
// thread pool costs ten times that), broken up so that a proxy on the same event loop still runs.

/** Every `every` calls, a promise that settles after the event loop's next turn; else undefined. */
export function turnEvery(every = 128): () => Promise<void> | undefined {
  let calls = 0;
  return () =>
    ++calls % every === 0 ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined;
}
