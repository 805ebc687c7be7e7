/**
 * The planner (SPEC §2.5): a vision-language model behind any OpenAI-compatible chat endpoint
 * (vLLM, OpenAI, Ollama, LM Studio) chooses the next action from the task, the last 10 steps and
 * the current screenshot. The prompt is prompt.ts's (shared with the dataset exports); the answer
 * is `<thought>\n\nAction: <planner form>`. A malformed answer is sent back with what was wrong
 * (up to `maxReasks` times); a re-plan after unfound click targets names them in the prompt, and a
 * request after the same action changed nothing several times in a row says so (noEffectNote).
 */
import type { Action } from '../../core/actions.js';
import { type ChatMessage, type ContentPart, ModelClient } from '../../models/client.js';
import {
  ACTION_LABEL,
  parsePlannerAnswer,
  PLANNER_HISTORY_STEPS,
  plannerSystemPrompt,
  plannerUserPrompt,
  type PlannerStep,
} from './prompt.js';
import type { Size } from '../../core/geometry.js';
import { pcAgentText } from './profiles/pc-agent.js';
import { parseUiTarsAnswer, pngSize, uiTarsText } from './profiles/ui-tars.js';
import { DEFAULT_PLANNER_PROFILE, type PlannerProfile, PROFILE_SAMPLING } from '../../core/planner-profiles.js';

export type { PlannerStep } from './prompt.js';

export interface PlannerOptions {
  /** Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:8000/v1` (`/v1` is added to a bare host). */
  readonly endpoint: string;
  readonly model: string;
  /** Bearer token; local servers usually need none (default: OPENAI_API_KEY). */
  readonly apiKey?: string;
  /** Per request (default 120 s). */
  readonly timeoutMs?: number;
  /** Retries of failed HTTP requests (429, 5xx, timeouts, connection errors; default 2), with backoff. */
  readonly maxRetries?: number;
  /** Re-asks after a malformed answer (default 3). */
  readonly maxReasks?: number;
  /** Output limit (default 512 tokens). */
  readonly maxTokens?: number;
  /** Sampling temperature (default 0: the same screen gives the same plan; the profile's when it has one). */
  readonly temperature?: number;
  /** The input layout the model expects (default `generic`; see profiles/profiles.ts). */
  readonly profile?: PlannerProfile;
  /** Replaces the profile's instruction text (e.g. the exact wording a checkpoint was trained with). */
  readonly instructions?: string;
}

export interface PlanRequest {
  readonly task: string;
  /** The steps so far, oldest first (the prompt shows the last 10); a caller may keep only the latest. */
  readonly history: readonly PlannerStep[];
  /** 1-based number of `history[0]` when the caller kept only the latest steps (default 1). */
  readonly firstStep?: number;
  /** The current screenshot: encoded image bytes (PNG/JPEG) or a URL (`data:` or http). */
  readonly screenshot: { readonly png: Uint8Array } | { readonly jpeg: Uint8Array } | { readonly url: string };
  /** Screen size of the screenshot (the ui-tars profile maps its coordinates to it; default: read from a PNG). */
  readonly screenSize?: Size;
  /** Click targets that were not found on this screen: asks for a new plan (a re-plan). */
  readonly notFound?: readonly string[];
  /** The last action changed nothing on the screen this many times in a row: the request says so. */
  readonly noEffect?: number;
  /** What the planner should know about the screen beyond the picture (an open dialog, its buttons). */
  readonly notices?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface Plan {
  readonly thought: string;
  readonly action: Action;
  /** The answer the action was read from. */
  readonly raw: string;
  /** HTTP requests made for this plan: 1 + re-asks. */
  readonly requests: number;
  /** What was wrong with the answers that had to be re-asked. */
  readonly problems: readonly string[];
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
  readonly ms: number;
}

/** The planner could not produce an action: the endpoint failed, or every answer was malformed. */
export class PlannerError extends Error {
  override readonly name = 'PlannerError';

  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The re-ask after a malformed answer. */
export function reaskText(problem: string): string {
  return (
    `That answer cannot be used: ${problem}. Answer again in exactly this form:\n` +
    `<your thought>\n\n${ACTION_LABEL} <one action from the list>`
  );
}

function imageUrl(screenshot: PlanRequest['screenshot']): string {
  if ('url' in screenshot) return screenshot.url;
  if ('png' in screenshot) return `data:image/png;base64,${Buffer.from(screenshot.png).toString('base64')}`;
  return `data:image/jpeg;base64,${Buffer.from(screenshot.jpeg).toString('base64')}`;
}

export class Planner {
  readonly endpoint: string;
  readonly model: string;
  private readonly client: ModelClient;

  constructor(private readonly options: PlannerOptions) {
    this.client = new ModelClient({
      endpoint: options.endpoint,
      model: options.model,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 120_000,
      maxRetries: options.maxRetries ?? 2,
      // Sampling at 0: the same screen gives the same plan.
      temperature: options.temperature ?? 0,
    });
    this.endpoint = this.client.endpoint;
    this.model = options.model;
  }

  /** The chat messages of the first request for a step. */
  messages(request: PlanRequest): ChatMessage[] {
    const profile = this.options.profile ?? DEFAULT_PLANNER_PROFILE;
    if (profile === 'pc-agent') {
      const text = pcAgentText({ ...request, instructions: this.options.instructions });
      return [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: imageUrl(request.screenshot) } },
            { type: 'text', text },
          ],
        },
      ];
    }
    if (profile === 'ui-tars') {
      const text = uiTarsText(
        request.task,
        request.history.slice(-PLANNER_HISTORY_STEPS),
        this.options.instructions,
        request.noEffect,
        request.notices,
      );
      return [
        {
          role: 'user',
          content: [
            { type: 'text', text },
            { type: 'image_url', image_url: { url: imageUrl(request.screenshot) } },
          ],
        },
      ];
    }
    if (profile !== 'generic') throw new PlannerError(`the planner profile "${profile}" is not available yet`);
    const content: ContentPart[] = [
      {
        type: 'text',
        text: plannerUserPrompt({
          task: request.task,
          history: request.history,
          ...(request.firstStep ? { firstStep: request.firstStep } : {}),
          notFound: request.notFound,
          noEffect: request.noEffect,
          notices: request.notices,
        }),
      },
      { type: 'image_url', image_url: { url: imageUrl(request.screenshot) } },
    ];
    return [
      { role: 'system', content: this.options.instructions ?? plannerSystemPrompt() },
      { role: 'user', content },
    ];
  }

  async plan(request: PlanRequest): Promise<Plan> {
    const started = Date.now();
    const maxReasks = this.options.maxReasks ?? 3;
    const messages = this.messages(request);
    const problems: string[] = [];
    const usage = { promptTokens: 0, completionTokens: 0 };
    for (let requests = 1; ; requests++) {
      const raw = await this.complete(messages, usage, request.signal);
      const answer = this.parse(raw, request);
      if (answer.ok) {
        return {
          thought: answer.thought,
          action: answer.action,
          raw,
          requests,
          problems,
          usage,
          ms: Date.now() - started,
        };
      }
      problems.push(answer.problem);
      if (requests > maxReasks) {
        throw new PlannerError(
          `the planner gave no usable action in ${requests} answers (last: ${answer.problem})`,
          problems,
        );
      }
      messages.push({ role: 'assistant', content: raw }, { role: 'user', content: reaskText(answer.problem) });
    }
  }

  private parse(raw: string, request: PlanRequest): ReturnType<typeof parsePlannerAnswer> {
    if ((this.options.profile ?? DEFAULT_PLANNER_PROFILE) !== 'ui-tars') return parsePlannerAnswer(raw);
    const size = request.screenSize ?? ('png' in request.screenshot ? pngSize(request.screenshot.png) : null);
    if (!size) throw new PlannerError('the ui-tars profile needs the screen size of the screenshot');
    return parseUiTarsAnswer(raw, size);
  }

  private async complete(
    messages: ChatMessage[],
    usage: { promptTokens: number; completionTokens: number },
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const sampling = PROFILE_SAMPLING[this.options.profile ?? DEFAULT_PLANNER_PROFILE];
    const maxTokens = this.options.maxTokens ?? sampling?.maxTokens ?? 512;
    const temperature = this.options.temperature ?? sampling?.temperature;
    let result;
    try {
      result = await this.client.chat(messages, maxTokens, {
        signal,
        ...(temperature !== undefined ? { temperature } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      // The client's message names the endpoint and the cause, with the key redacted.
      throw new PlannerError(`the planner failed: ${(err as Error).message}`);
    }
    usage.promptTokens += result.usage.promptTokens;
    usage.completionTokens += result.usage.completionTokens;
    return result.content;
  }
}
