/**
 * The one way to find the frame a step of a recording points at. A refined recording keeps its
 * unchanged frames as rows of the raw recording (shared by id, never copied), so looking only at
 * the recording's own frames loses them: every reader of steps (refinement, every export format,
 * the app's viewer) resolves frame ids through this lookup.
 */
import { LibraryError } from './errors.js';
import { type Frame, type Library } from './library.js';

export type FrameLookup = (id: number | null | undefined) => Frame | null;

/**
 * A lookup for the steps of one recording: its own frames are loaded at once, any other id (a
 * frame of the raw parent) is read on first use and cached; an id with no row gives null.
 */
export function frameLookup(lib: Library, recordingId: number): FrameLookup {
  const frames = new Map<number, Frame | null>(lib.listFrames(recordingId).map((f) => [f.id, f]));
  return (id) => {
    if (id === null || id === undefined) return null;
    if (frames.has(id)) return frames.get(id)!;
    const frame = findFrame(lib, id);
    frames.set(id, frame);
    return frame;
  };
}

/** A frame row by id, or null when there is none (a step may point at a frame that is gone). */
export function findFrame(lib: Library, id: number | null): Frame | null {
  if (id === null) return null;
  try {
    return lib.getFrame(id);
  } catch (e) {
    if (e instanceof LibraryError && e.code === 'not-found') return null;
    throw e;
  }
}
