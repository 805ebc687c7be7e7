/**
 * Child process for the crash-safety test: appends actions, each with a freshly written frame
 * file, and prints "committed <seq>" after each commit, until it is killed.
 */
import { Library } from '../../src/library/library.js';

const [home, recordingArg] = process.argv.slice(2);
const lib = Library.open(home!);
const recordingId =
  recordingArg && recordingArg !== 'new'
    ? Number(recordingArg)
    : lib.createRecording({ kind: 'human', mode: 'non-task', source: 'crash-test' }).id;
process.stdout.write(`recording ${recordingId}\n`);
// A frame-sized payload so that file writes take real time and kills land mid-write.
const payload = Buffer.alloc(256 * 1024, 7);
for (let i = 0; ; i++) {
  payload.writeUInt32LE(i, 0);
  const seq = lib.countActions(recordingId) + 1;
  const frame = lib.saveFrame(recordingId, `frame-${process.pid}-${i}.png`, payload, {
    format: 'png',
    width: 1,
    height: 1,
  });
  lib.appendAction(recordingId, {
    seq,
    time: Date.now(),
    action: { kind: 'click', at: { x: i, y: i } },
    frameId: frame.id,
  });
  process.stdout.write(`committed ${seq}\n`);
}
