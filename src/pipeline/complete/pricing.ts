/**
 * Token prices for the cost line of the run summary, in US dollars per 1M tokens.
 * `--price-in` / `--price-out` set them; otherwise a few OpenAI models are known (standard
 * tier list prices, 2025; the Batch API bills half). Unknown models are simply not priced.
 */

export interface Prices {
  /** Dollars per 1M prompt tokens. */
  readonly input: number;
  /** Dollars per 1M completion tokens. */
  readonly output: number;
}

export const KNOWN_PRICES: Readonly<Record<string, Prices>> = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
};

/** Known prices of a model: exact name, else the longest known name it starts with (dated snapshots). */
export function knownPrices(model: string): Prices | null {
  const name = model
    .trim()
    .toLowerCase()
    .replace(/^openai\//, '');
  const exact = KNOWN_PRICES[name];
  if (exact) return exact;
  const base = Object.keys(KNOWN_PRICES)
    .filter((k) => name.startsWith(`${k}-`))
    .sort((a, b) => b.length - a.length)[0];
  return base ? KNOWN_PRICES[base]! : null;
}

/**
 * Prices for a run: both flags, or the known list price (halved for batch results). One flag
 * alone prices the other side at 0.
 */
export function resolvePrices(
  model: string | undefined,
  flags: { priceIn?: number; priceOut?: number },
  batch = false,
): (Prices & { source: 'flags' | 'known' }) | null {
  if (flags.priceIn !== undefined || flags.priceOut !== undefined) {
    return { input: flags.priceIn ?? 0, output: flags.priceOut ?? 0, source: 'flags' };
  }
  const known = model ? knownPrices(model) : null;
  if (!known) return null;
  const factor = batch ? 0.5 : 1;
  return { input: known.input * factor, output: known.output * factor, source: 'known' };
}

export function cost(prices: Prices, promptTokens: number, completionTokens: number): number {
  return (promptTokens * prices.input + completionTokens * prices.output) / 1e6;
}
