import type { Device, ProviderFailure } from '../runtime/session.js';
import type { ModelEntry } from '../runtime/manifest.js';
import { guessConvention, isConvention, CONVENTIONS, type Convention, type QwenResizeOptions } from './coordinates.js';
import type { Grounder } from './grounder.js';
import type { DecodeOptions } from './omniparser/detector.js';
import type { VlmGrounderOptions } from './vlm-grounder.js';
import { GROUNDER_NAMES, isOneOf, type GrounderName } from '../../core/vocabulary.js';

/**
 * Creates a grounder by name (SPEC §2.5): `auto` (the cascade, default), `a11y` (the live
 * accessibility tree), `ocr` (the embedded text reader), `visual` (the recorded picture, replay
 * only), `vlm` (an OpenAI-compatible pointing model) or `omniparser` (an ONNX icon detector plus OCR). Each
 * grounder's module, and the native packages it needs, is imported only when it is chosen.
 */

export { GROUNDER_NAMES, type GrounderName } from '../../core/vocabulary.js';

export interface SelectOptions {
  /** Execution device for local models (default: `PCAGENT_DEVICE`, else auto). */
  readonly device?: Device;
  /** Data directory whose `models/` holds pulled models. */
  readonly dataDir?: string;
  /** Manifest entries instead of models/manifest.json. */
  readonly manifest?: readonly ModelEntry[];
  readonly vlm?: {
    /** Default: `PCAGENT_VLM_ENDPOINT`. */
    readonly endpoint?: string;
    /** Default: `PCAGENT_VLM_MODEL`. */
    readonly model?: string;
    /** Default: guessed from the model name (molmo, ui-tars, qwen2.5-vl, showui). */
    readonly convention?: Convention | string;
    readonly apiKey?: string;
    readonly samples?: number;
    readonly temperature?: number;
    readonly verify?: boolean;
    readonly maxTries?: number;
    readonly aggregate?: 'cluster' | 'median';
    readonly qwen?: QwenResizeOptions;
    readonly timeoutMs?: number;
    readonly elementAt?: VlmGrounderOptions['elementAt'];
  };
  readonly omniparser?: DecodeOptions & {
    /** Model file instead of the manifest's `icon-detect`. */
    readonly iconModel?: string;
    /** Use OCR for quoted text (default true). */
    readonly ocr?: boolean;
  };
}

/** The `auto` grounder's stages, in order; each is created by its own case below. */
async function selectCascade(options: SelectOptions, env: NodeJS.ProcessEnv): Promise<SelectedGrounder> {
  const { CascadeGrounder } = await import('./cascade.js');
  const stages: import('./cascade.js').CascadeStage[] = [];
  const fallbacks: ProviderFailure[] = [];
  // The live tree is optional: without an accessibility bus the cascade starts at OCR.
  const a11y = await selectGrounder('a11y', options, env).catch(() => null);
  if (a11y) stages.push({ grounder: a11y.grounder, applies: (h) => h.live === true });
  const ocr = await selectGrounder('ocr', options, env);
  stages.push({ grounder: ocr.grounder });
  fallbacks.push(...ocr.fallbacks);
  const visual = await selectGrounder('visual', options, env);
  stages.push({ grounder: visual.grounder, applies: (h) => h.recorded !== undefined });
  const vlm = options.vlm ?? {};
  if ((vlm.endpoint ?? env.PCAGENT_VLM_ENDPOINT) && (vlm.model ?? env.PCAGENT_VLM_MODEL)) {
    const remote = await selectGrounder('vlm', options, env);
    stages.push({ grounder: remote.grounder });
  }
  return { grounder: new CascadeGrounder(stages), provider: ocr.provider, fallbacks };
}

export interface SelectedGrounder {
  readonly grounder: Grounder;
  /** What runs the models: an execution provider (`cpu`, `cuda`, …) or `remote`. */
  readonly provider: string;
  /** Providers tried and given up before `provider`. */
  readonly fallbacks: readonly ProviderFailure[];
}

export function isGrounderName(value: string): value is GrounderName {
  return isOneOf(GROUNDER_NAMES, value);
}

export async function selectGrounder(
  name: GrounderName | string,
  options: SelectOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<SelectedGrounder> {
  const lookup = { dataDir: options.dataDir, manifest: options.manifest };
  switch (name) {
    case 'auto':
      return selectCascade(options, env);
    case 'ocr': {
      const { OcrGrounder } = await import('./ocr-grounder.js');
      const grounder = await OcrGrounder.create({ ...lookup, device: options.device });
      return { grounder, provider: grounder.engine.provider, fallbacks: grounder.engine.fallbacks };
    }
    case 'vlm': {
      const o = options.vlm ?? {};
      const endpoint = o.endpoint ?? env.PCAGENT_VLM_ENDPOINT;
      const model = o.model ?? env.PCAGENT_VLM_MODEL;
      if (!endpoint) throw new Error('the vlm grounder needs an endpoint (--endpoint URL or PCAGENT_VLM_ENDPOINT)');
      if (!model) throw new Error('the vlm grounder needs a model name (--model NAME or PCAGENT_VLM_MODEL)');
      const convention = o.convention ?? guessConvention(model);
      if (convention === undefined) {
        throw new Error(
          `cannot tell the coordinate convention of model "${model}": pass --convention ${CONVENTIONS.join('|')}`,
        );
      }
      if (!isConvention(convention)) {
        throw new Error(`unknown coordinate convention "${convention}" (expected ${CONVENTIONS.join(', ')})`);
      }
      const { VlmGrounder } = await import('./vlm-grounder.js');
      const grounder = new VlmGrounder({
        endpoint,
        model,
        convention,
        apiKey: o.apiKey ?? env.PCAGENT_VLM_API_KEY,
        samples: o.samples,
        temperature: o.temperature,
        verify: o.verify,
        maxTries: o.maxTries,
        aggregate: o.aggregate,
        qwen: o.qwen,
        timeoutMs: o.timeoutMs,
        elementAt: o.elementAt,
      });
      return { grounder, provider: grounder.provider, fallbacks: [] };
    }
    case 'omniparser': {
      const o = options.omniparser ?? {};
      const [{ OmniParserGrounder, resolveIconModel }, { IconDetector }] = await Promise.all([
        import('./omniparser-grounder.js'),
        import('./omniparser/detector.js'),
      ]);
      // Resolved before anything loads, so a missing model is one clear line.
      const modelFile = resolveIconModel({ ...lookup, iconModel: o.iconModel });
      const detector = await IconDetector.create(modelFile, { ...o, device: options.device });
      const ocr =
        o.ocr === false
          ? undefined
          : async () => {
              const { OcrEngine } = await import('../ocr/engine.js');
              return OcrEngine.create({ ...lookup, device: options.device });
            };
      const grounder = new OmniParserGrounder({ detector, ocr });
      return { grounder, provider: detector.provider, fallbacks: detector.fallbacks };
    }
    case 'visual': {
      // Template matching in plain TypeScript: no model, nothing to fall back from.
      const { VisualGrounder } = await import('./visual-grounder.js');
      return { grounder: new VisualGrounder(), provider: 'cpu', fallbacks: [] };
    }
    default:
      throw new Error(`unknown grounder "${name}" (expected ${GROUNDER_NAMES.join(', ')})`);
  }
}
