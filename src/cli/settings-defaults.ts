import { HotkeyError, hotkeyKeys } from '../core/accelerator.js';
import {
  type EndpointSettings,
  type RecordingRules,
  recordingRules,
  type Settings,
  type SettingsGrounder,
  storedKeyFor,
} from '../library/settings.js';
import { UsageError } from './context.js';

/**
 * How `pcagent run` and `pcagent record` combine their flags, the environment and the data
 * directory's settings.json: a flag wins over an environment variable, which wins over the
 * settings file. Pure functions, so the precedence is tested without starting a recorder or
 * an agent.
 */

export interface EndpointChoice {
  endpoint: string | undefined;
  model: string | undefined;
  apiKey: string | undefined;
}

export interface RunChoices {
  planner: EndpointChoice;
  grounder: SettingsGrounder;
  /** The grounding model, used when `grounder` is `vlm`. */
  vlm: EndpointChoice;
}

export interface RunFlags {
  planner?: string;
  plannerModel?: string;
  grounder?: SettingsGrounder;
}

/** An endpoint from the first layer that sets it; the stored key only goes to its own server. */
function layered(
  flagOrEnv: { endpoint?: string; model?: string },
  envKey: string | undefined,
  section: EndpointSettings,
): EndpointChoice {
  const endpoint = flagOrEnv.endpoint || section.endpoint;
  return {
    endpoint,
    model: flagOrEnv.model || section.model,
    apiKey: envKey?.trim() || storedKeyFor(section, endpoint),
  };
}

/**
 * The planner: `--planner` / `--planner-model`, else `PCAGENT_PLANNER_URL` /
 * `PCAGENT_PLANNER_MODEL`, else the `planner` section; key `OPENAI_API_KEY`, else the section's.
 * The grounder: `--grounder`, else `grounder.name` (default ocr); its VLM endpoint
 * `PCAGENT_VLM_ENDPOINT` / `PCAGENT_VLM_MODEL` / `PCAGENT_VLM_API_KEY`, else `grounder.vlm`.
 */
export function runChoices(flags: RunFlags, env: NodeJS.ProcessEnv, settings: Settings): RunChoices {
  return {
    planner: layered(
      {
        endpoint: flags.planner ?? env.PCAGENT_PLANNER_URL,
        model: flags.plannerModel ?? env.PCAGENT_PLANNER_MODEL,
      },
      env.OPENAI_API_KEY,
      settings.planner,
    ),
    grounder: flags.grounder ?? settings.grounder.name,
    vlm: layered(
      { endpoint: env.PCAGENT_VLM_ENDPOINT, model: env.PCAGENT_VLM_MODEL },
      env.PCAGENT_VLM_API_KEY,
      settings.grounder.vlm,
    ),
  };
}

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
