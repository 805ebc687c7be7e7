import { HotkeyError, hotkeyKeys } from '../core/accelerator.js';
import { type RecordingRules, recordingRules, type Settings } from '../library/settings.js';
import { UsageError } from './context.js';

/**
 * How `pcagent record` combines its flags with the data directory's settings.json (the agent's
 * layering, shared with the app, is `runChoices` in library/settings.ts). Pure, so the
 * precedence is tested without starting a recorder.
 */

export interface RecordFlags {
  stopHotkey?: string;
  excludeApp: readonly string[];
  excludeTitle: readonly string[];
}

/**
 * The recorder's privacy rules and stop chord. `--stop-hotkey` replaces `hotkeys.stopRecording`;
 * `--exclude-app` / `--exclude-title` add to the `privacy` lists (privacy is only ever widened
 * by a flag, never narrowed).
 */
export function recordChoices(flags: RecordFlags, settings: Settings, platform: string): RecordingRules {
  const fromSettings = recordingRules(settings, platform);
  const flagTitles = flags.excludeTitle.map((t) => {
    try {
      return new RegExp(t, 'i');
    } catch {
      throw new UsageError(`--exclude-title "${t}" is not a valid regular expression`);
    }
  });
  let stopHotkey = fromSettings.stopHotkey;
  if (flags.stopHotkey !== undefined) {
    try {
      stopHotkey = hotkeyKeys(flags.stopHotkey, platform);
    } catch (err) {
      if (err instanceof HotkeyError) throw new UsageError(`--stop-hotkey: ${err.message}`);
      throw err;
    }
  }
  return {
    privacy: {
      excludedApps: [...new Set([...fromSettings.privacy.excludedApps, ...flags.excludeApp])],
      excludedTitles: [...fromSettings.privacy.excludedTitles, ...flagTitles],
    },
    stopHotkey,
  };
}
