/**
 * Reasoning models (OpenAI's o-series and GPT-5, also behind an `openai/` router prefix) refuse
 * `max_tokens` and any temperature but the default, and count their hidden reasoning as
 * output. For them the output limit is `max_completion_tokens` with room for the reasoning, and
 * no temperature is sent; every other model (vLLM, Ollama, LM Studio, GPT-4o) gets `max_tokens`
 * and the temperature asked for.
 */

const REASONING_MODEL = /^(?:openai\/)?(?:o\d|gpt-5)/i;

/** Tokens added to a reasoning model's limit for the reasoning it does before answering. */
export const REASONING_ALLOWANCE = 4000;

export function isReasoningModel(model: string): boolean {
  return REASONING_MODEL.test(model);
}

export type OutputLimits =
  | { max_tokens: number; temperature?: number }
  | { max_completion_tokens: number; temperature?: never };

/** The output limit and temperature fields of a chat request, as the model accepts them. */
export function outputLimits(model: string, maxTokens: number, temperature?: number): OutputLimits {
  if (isReasoningModel(model)) return { max_completion_tokens: maxTokens + REASONING_ALLOWANCE };
  return temperature === undefined ? { max_tokens: maxTokens } : { max_tokens: maxTokens, temperature };
}
