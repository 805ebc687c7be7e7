import { Option } from 'commander';
import { readManifest } from '../agents/runtime/manifest.js';
import { GROUNDER_NAMES } from '../core/vocabulary.js';

/** The model id of the omniparser grounder's icon detector (see omniparser-grounder.ts). */
const ICON_MODEL_ID = 'icon-detect';

/** Whether the model manifest names an icon detector, without which omniparser cannot start. */
export function iconDetectorConfigured(): boolean {
  try {
    return readManifest().some((e) => e.id === ICON_MODEL_ID);
  } catch {
    return false;
  }
}

export const OMNIPARSER_SETUP =
  `omniparser is offered once an icon detector is configured: add an "${ICON_MODEL_ID}" entry to ` +
  `models/manifest.json and run \`pcagent models pull ${ICON_MODEL_ID} --from URL\``;

/**
 * `--grounder` for commands that act on the screen: omniparser is a choice only where its
 * detector is configured (it would otherwise fail after start-up); the help says how to add it.
 */
export function grounderOption(description: string): { option: Option; help: string } {
  const names = GROUNDER_NAMES.filter((g) => g !== 'omniparser' || iconDetectorConfigured());
  return {
    option: new Option('--grounder <name>', description).choices(names),
    help: names.includes('omniparser') ? '' : `\n${OMNIPARSER_SETUP}.\n`,
  };
}
