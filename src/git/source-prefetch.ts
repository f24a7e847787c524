// A source tar started before the job asks for it, so `git archive` overlaps reading the spec and
// the policy and starting the worker. What it reads ahead is bounded; past that, git waits.
import { PassThrough, pipeline, type Readable } from 'node:stream';

/** Per side of the read-ahead stream: at most twice this is held before git is made to wait. */
const READ_AHEAD_BYTES = 16 * 1024 ** 2;

export interface PrefetchedSource {
  /** The started stream the first time; a fresh one after that (a retried job). */
  open: () => Readable;
  /** Stops the started stream if no job took it. */
  release: () => void;
}

export function prefetchSource(open: () => Readable): PrefetchedSource {
  let ahead: PassThrough | undefined = new PassThrough({ highWaterMark: READ_AHEAD_BYTES });
  let failed = false;
  // A failure after the job took the stream reaches its reader as an error, as without the read-ahead.
  pipeline(open(), ahead, (err) => (failed ||= Boolean(err)));
  return {
    open: () => {
      const started = ahead;
      ahead = undefined;
      // One that failed before anyone listened is opened again, so the reader sees git's error itself.
      return started && !failed ? started : open();
    },
    release: () => {
      ahead?.destroy();
      ahead = undefined;
    },
  };
}
