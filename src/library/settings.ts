import { DEFAULT_PLANNER_PROFILE, PLANNER_PROFILES, type PlannerProfile } from '../core/planner-profiles.js';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { hotkeyKeys } from '../core/accelerator.js';
import { writeFileAtomic } from './atomic-file.js';
import { DEFAULT_GROUNDER, GROUNDER_NAMES } from '../core/vocabulary.js';

/**
 * The settings of one data directory, `<data dir>/settings.json`: the one module that reads and
 * writes it (the app's Settings screen, `pcagent complete`, `run` and `record` all go through
 * it). Sections:
 *
 *   completion   {endpoint, model, apiKey}   the cognition-completion model (`pcagent complete`)
 *   planner      {endpoint, model, apiKey, profile, prompt}   the agent's planner (`pcagent run`)
 *   grounder     {name, vlm: {endpoint, model, apiKey}}   the agent's default grounder
 *   privacy      {excludedApps, excludedTitles}   what the recorder never stores a frame of
 *   hotkeys      {stopRecording, abortAgent}   global shortcuts, Electron accelerator form
 *
 * The file holds API keys: it is written with mode 0600, atomically (temporary file + rename),
 * and keeps sections and fields it does not know. A file that cannot be read as settings is
 * refused with one line naming it, and never rewritten: neither by a read nor by a write.
 */

export const SETTINGS_FILE = 'settings.json';

export const SETTINGS_GROUNDERS = GROUNDER_NAMES;
export type SettingsGrounder = (typeof SETTINGS_GROUNDERS)[number];

export const DEFAULT_HOTKEYS = {
  stopRecording: 'CommandOrControl+Shift+F12',
  abortAgent: 'CommandOrControl+Shift+F11',
} as const;

/** An OpenAI-compatible server; a field that is not set is absent (never an empty string). */
export interface EndpointSettings {
  endpoint?: string;
  model?: string;
  apiKey?: string;
}

/** The planner's endpoint, its input layout and an optional file replacing its instructions. */
export interface PlannerSettings extends EndpointSettings {
  profile: PlannerProfile;
  /** Path of a text file whose content replaces the profile's instruction text. */
  prompt?: string;
}

/** The settings with defaults applied. */
export interface Settings {
  completion: EndpointSettings;
  planner: PlannerSettings;
  grounder: { name: SettingsGrounder; vlm: EndpointSettings };
  privacy: { excludedApps: string[]; excludedTitles: string[] };
  hotkeys: { stopRecording: string; abortAgent: string };
}

/** A change to an endpoint: an empty string removes the field. */
export type EndpointPatch = { [K in keyof EndpointSettings]?: string };

/** A change to the settings: absent sections and fields are left as they are. */
export interface SettingsPatch {
  completion?: EndpointPatch;
  planner?: EndpointPatch & { profile?: PlannerProfile; prompt?: string };
  grounder?: { name?: SettingsGrounder; vlm?: EndpointPatch };
  privacy?: { excludedApps?: string[]; excludedTitles?: string[] };
  hotkeys?: { stopRecording?: string; abortAgent?: string };
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export function settingsPath(home: string): string {
  return path.join(home, SETTINGS_FILE);
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}

/** A field people may leave empty or null by hand: both mean "not set". */
const OptionalText = z.string().nullish();

const EndpointSection = z.looseObject({ endpoint: OptionalText, model: OptionalText, apiKey: OptionalText });

const Hotkey = z.string().superRefine((text, ctx) => {
  try {
    hotkeyKeys(text, process.platform);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

// Loose objects: fields and sections this version does not know are kept as they are.
const SettingsFile = z.looseObject({
  completion: EndpointSection.optional(),
  planner: EndpointSection.extend({ profile: z.enum(PLANNER_PROFILES).optional(), prompt: OptionalText }).optional(),
  grounder: z.looseObject({ name: z.enum(SETTINGS_GROUNDERS).optional(), vlm: EndpointSection.optional() }).optional(),
  privacy: z
    .looseObject({
      excludedApps: z.array(z.string()).optional(),
      excludedTitles: z.array(z.string().refine(isRegExp, 'not a valid regular expression')).optional(),
    })
    .optional(),
  hotkeys: z.looseObject({ stopRecording: Hotkey.optional(), abortAgent: Hotkey.optional() }).optional(),
});
type SettingsFile = z.infer<typeof SettingsFile>;

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid settings';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${issue.path.join('.') || 'settings'}: ${issue.message}${more}`;
}

/** The file's object as stored (unknown sections included), checked; `{}` when there is no file. */
function readFileObject(file: string): SettingsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw new SettingsError(`cannot read ${file}: ${code ?? 'unknown error'}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // The parser's message quotes the file's text, which may hold a key: say less.
    throw new SettingsError(`${file} is not valid JSON`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new SettingsError(`${file}: expected a JSON object`);
  const parsed = SettingsFile.safeParse(raw);
  if (!parsed.success) throw new SettingsError(`${file}: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

function endpointSettings(section: z.infer<typeof EndpointSection> | undefined): EndpointSettings {
  const out: EndpointSettings = {};
  for (const key of ['endpoint', 'model', 'apiKey'] as const) {
    const value = section?.[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

function withDefaults(file: SettingsFile): Settings {
  return {
    completion: endpointSettings(file.completion),
    planner: {
      ...endpointSettings(file.planner),
      profile: file.planner?.profile ?? DEFAULT_PLANNER_PROFILE,
      ...(file.planner?.prompt?.trim() ? { prompt: file.planner.prompt.trim() } : {}),
    },
    grounder: { name: file.grounder?.name ?? DEFAULT_GROUNDER, vlm: endpointSettings(file.grounder?.vlm) },
    privacy: {
      excludedApps: file.privacy?.excludedApps ?? [],
      excludedTitles: file.privacy?.excludedTitles ?? [],
    },
    hotkeys: {
      stopRecording: file.hotkeys?.stopRecording ?? DEFAULT_HOTKEYS.stopRecording,
      abortAgent: file.hotkeys?.abortAgent ?? DEFAULT_HOTKEYS.abortAgent,
    },
  };
}

/** The settings of the data directory, defaults filled in; no file means every default. */
export function readSettings(home: string): Settings {
  return withDefaults(readFileObject(settingsPath(home)));
}

function patchEndpoint(section: object | undefined, patch: EndpointPatch | undefined): object | undefined {
  if (!patch) return section;
  const next: Record<string, unknown> = { ...section };
  for (const key of ['endpoint', 'model', 'apiKey'] as const) {
    const value = patch[key];
    if (value === undefined) continue;
    if (value.trim() === '') delete next[key];
    else next[key] = value.trim();
  }
  return next;
}

function patchPlanner(section: object | undefined, patch: SettingsPatch['planner']): object | undefined {
  const next = patchEndpoint(section, patch) as Record<string, unknown> | undefined;
  if (!patch || !next) return next;
  for (const key of ['profile', 'prompt'] as const) {
    const value = patch[key];
    if (value === undefined) continue;
    if (value.trim() === '') delete next[key];
    else next[key] = value.trim();
  }
  return next;
}

function patchFields<T extends object>(section: object | undefined, patch: T | undefined): object | undefined {
  if (!patch) return section;
  const defined = Object.entries(patch).filter(([, v]) => v !== undefined);
  return { ...section, ...Object.fromEntries(defined) };
}

/**
 * Applies `patch` and writes the file (mode 0600, atomically); returns the new settings. Only
 * the sections the patch names change; everything else in the file, unknown sections included,
 * is written back as it was. A file that cannot be read as settings is refused, not replaced.
 */
export function updateSettings(home: string, patch: SettingsPatch): Settings {
  const file = settingsPath(home);
  const current = readFileObject(file);
  const next: Record<string, unknown> = { ...current };
  const set = (name: string, section: object | undefined) => {
    if (section !== undefined) next[name] = section;
  };
  set('completion', patchEndpoint(current.completion, patch.completion));
  set('planner', patchPlanner(current.planner, patch.planner));
  if (patch.grounder) {
    const grounder: Record<string, unknown> = { ...current.grounder };
    if (patch.grounder.name !== undefined) grounder.name = patch.grounder.name;
    const vlm = patchEndpoint(current.grounder?.vlm, patch.grounder.vlm);
    if (vlm !== undefined) grounder.vlm = vlm;
    next.grounder = grounder;
  }
  set('privacy', patchFields(current.privacy, patch.privacy));
  set('hotkeys', patchFields(current.hotkeys, patch.hotkeys));
  const checked = SettingsFile.safeParse(next);
  if (!checked.success) throw new SettingsError(`cannot save ${file}: ${firstIssue(checked.error)}`);
  writeFileAtomic(file, Buffer.from(`${JSON.stringify(next, null, 2)}\n`, 'utf8'), { mode: 0o600 });
  return withDefaults(checked.data);
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * The section's stored API key, if it may go to `endpoint`: a key belongs to the server it was
 * saved with, and is never sent to another server named by a flag or typed in a form.
 */
export function storedKeyFor(section: EndpointSettings, endpoint: string | undefined): string | undefined {
  const sameServer =
    section.endpoint === undefined || endpoint === undefined || origin(endpoint) === origin(section.endpoint);
  return sameServer ? section.apiKey : undefined;
}

/**
 * The key for `endpoint`: one set for this run (an environment variable), else the section's
 * stored key when it belongs to that server. The model client adds OPENAI_API_KEY as the last
 * resort (src/models/secrets.ts).
 */
export function endpointKey(
  runKey: string | undefined,
  section: EndpointSettings,
  endpoint: string | undefined,
): string | undefined {
  return runKey?.trim() || storedKeyFor(section, endpoint);
}

/** What the recorder takes from the settings: privacy rules and the stop chord as key names. */
export interface RecordingRules {
  privacy: { excludedApps: string[]; excludedTitles: RegExp[] };
  stopHotkey: string[];
}

/** The `privacy` and `hotkeys.stopRecording` settings in the recorder's terms. */
export function recordingRules(settings: Settings, platform: string = process.platform): RecordingRules {
  return {
    privacy: {
      excludedApps: settings.privacy.excludedApps.filter((a) => a.trim() !== ''),
      // Window titles are matched without case, as the command line's --exclude-title does.
      excludedTitles: settings.privacy.excludedTitles.map((t) => new RegExp(t, 'i')),
    },
    stopHotkey: hotkeyKeys(settings.hotkeys.stopRecording, platform),
  };
}

// ---------------------------------------------------------------------------------------------
// The agent's planner and grounder: a flag (or the app's form) wins over the environment, which
// wins over the settings file. Used by `pcagent run` and the app's agent console.

export interface EndpointChoice {
  endpoint: string | undefined;
  model: string | undefined;
  apiKey: string | undefined;
}

export interface RunChoices {
  planner: EndpointChoice & { profile: PlannerProfile; prompt: string | undefined };
  grounder: SettingsGrounder;
  /** The grounding model, used when `grounder` is `vlm`. */
  vlm: EndpointChoice;
}

export interface RunFlags {
  planner?: string;
  plannerModel?: string;
  plannerProfile?: PlannerProfile;
  /** File whose text replaces the planner profile's instructions. */
  plannerPrompt?: string;
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
    apiKey: endpointKey(envKey, section, endpoint),
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
    planner: {
      ...layered(
        {
          endpoint: flags.planner ?? env.PCAGENT_PLANNER_URL,
          model: flags.plannerModel ?? env.PCAGENT_PLANNER_MODEL,
        },
        env.OPENAI_API_KEY,
        settings.planner,
      ),
      profile: flags.plannerProfile ?? settings.planner.profile,
      prompt: flags.plannerPrompt ?? settings.planner.prompt,
    },
    grounder: flags.grounder ?? settings.grounder.name,
    vlm: layered(
      { endpoint: env.PCAGENT_VLM_ENDPOINT, model: env.PCAGENT_VLM_MODEL },
      env.PCAGENT_VLM_API_KEY,
      settings.grounder.vlm,
    ),
  };
}

/** The text of the planner's instructions file (`--planner-prompt FILE`, planner.prompt); undefined when none is set. */
export function readPlannerPrompt(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SettingsError(
      `cannot read the planner prompt ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}
