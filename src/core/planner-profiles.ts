/**
 * Planner profiles: the input layout a planning model was trained with. This is the one list of
 * profile names (settings, CLI and API contract read it from here).
 * - `generic`: our own layout (system prompt + user text + screenshot), for GPT-4o-class endpoints.
 * - `pc-agent`: the layout of the released PC Agent planner checkpoint (see pc-agent.ts).
 * - `ui-tars`: an end-to-end UI-TARS model that plans and points (not wired yet).
 */
export const PLANNER_PROFILES = ['generic', 'pc-agent', 'ui-tars'] as const;
export type PlannerProfile = (typeof PLANNER_PROFILES)[number];
export const DEFAULT_PLANNER_PROFILE: PlannerProfile = 'generic';

export function isPlannerProfile(name: string): name is PlannerProfile {
  return (PLANNER_PROFILES as readonly string[]).includes(name);
}

/** Sampling each profile's model was used with; null: the caller's choice. */
export const PROFILE_SAMPLING: Readonly<Record<PlannerProfile, { temperature: number; maxTokens: number } | null>> = {
  generic: null,
  'pc-agent': { temperature: 0.8, maxTokens: 512 },
  'ui-tars': null,
};
