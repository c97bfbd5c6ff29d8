import { describe, expect, it } from 'vitest';
import { EarlierRecordingFailedError, RecordingSequence } from './recording-sequence.js';

/** Whether a promise has settled by the time already-queued work ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

/** A recording under way, finished from outside. */
function underWay() {
  let succeed!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => ((succeed = resolve), (fail = reject)));
  promise.catch(() => undefined);
  return { promise, succeed, fail };
}

describe('recording sequence', () => {
  it('lets a recording lock only after the one before locked, and commit only after it succeeded', async () => {
    const sequence = new RecordingSequence();
    const firstRecording = underWay();
    const first = sequence.next();
    const second = sequence.next(firstRecording.promise);
    await first.mayLock();
    expect(await settled(second.mayLock())).toBe(false);
    first.locked();
    expect(await settled(second.mayLock())).toBe(true);
    expect(await settled(second.mayCommit())).toBe(false);
    firstRecording.succeed();
    await expect(second.mayCommit()).resolves.toBeUndefined();
  });

  it('fails a recording whose predecessor failed, also one that failed before locking', async () => {
    const sequence = new RecordingSequence();
    const firstRecording = underWay();
    const first = sequence.next();
    const second = sequence.next(firstRecording.promise);
    first.settled();
    firstRecording.fail(new Error('database gone'));
    await second.mayLock();
    await expect(second.mayCommit()).rejects.toBeInstanceOf(EarlierRecordingFailedError);
    second.settled();
    // The redelivery, started behind nothing, records as if nothing had happened.
    const redelivery = sequence.next();
    await expect(redelivery.mayLock()).resolves.toBeUndefined();
    await expect(redelivery.mayCommit()).resolves.toBeUndefined();
  });

  it('keeps the place of a recording with nothing to write', async () => {
    const sequence = new RecordingSequence();
    const firstRecording = underWay();
    sequence.next();
    const empty = sequence.next(firstRecording.promise);
    const passing = empty.pass();
    expect(await settled(passing)).toBe(false);
    firstRecording.fail(new Error('database gone'));
    await expect(passing).rejects.toBeInstanceOf(EarlierRecordingFailedError);
  });
});
