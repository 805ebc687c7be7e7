import fs from 'node:fs';
import { type Command, Option } from 'commander';
import { DEVICES, GROUNDER_NAMES, type Device, type GrounderName } from '../../core/vocabulary.js';
import { globalOptions, output, UsageError } from '../context.js';

/**
 * `pcagent locate IMAGE TEXT`: grounds one description on one image file with the chosen
 * grounder and prints where a click would land, in the image's pixels (SPEC §3). Finding
 * nothing is an answer (exit 0); an unreadable image or a grounder that cannot start is an
 * error (exit 1).
 */

interface LocateOptions {
  grounder: GrounderName;
  device?: Device;
  prior?: string;
  elementName?: string;
  endpoint?: string;
  model?: string;
  apiKey?: string;
  convention?: string;
  samples?: string;
  verify: boolean;
  iconModel?: string;
}

function parsePrior(value: string): { x: number; y: number } {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!m) throw new UsageError(`--prior must be X,Y in image pixels, not "${value}"`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

export function registerLocateCommands(program: Command): void {
  program
    .command('locate')
    .description('ground one click-target description on one image: where a click would land, in image pixels')
    .argument('<image>', 'image file (PNG, JPEG, WebP, …)')
    .argument('<text>', `description of the target, e.g. "the 'Insert' tab in the menu bar"`)
    .addOption(new Option('--grounder <name>', 'grounder').choices(GROUNDER_NAMES).default('ocr'))
    .addOption(
      new Option(
        '--device <device>',
        'execution device for local models (default: $PCAGENT_DEVICE, else auto)',
      ).choices(DEVICES),
    )
    .option('--prior <x,y>', 'where the target was before: the closest match wins ties')
    .option('--element-name <name>', 'accessibility name of the target, when known')
    .option('--endpoint <url>', 'vlm: OpenAI-compatible base URL (default $PCAGENT_VLM_ENDPOINT)')
    .option('--model <name>', 'vlm: model name (default $PCAGENT_VLM_MODEL)')
    .option('--api-key <key>', 'vlm: bearer token (default $PCAGENT_VLM_API_KEY)')
    .option(
      '--convention <name>',
      'vlm: coordinate convention molmo|uitars|qwen25vl|showui (default: from the model name)',
    )
    .option('--samples <n>', 'vlm: answers per grounding try', '3')
    .option('--no-verify', 'vlm: skip the Accept/Reject verification call')
    .option('--icon-model <path>', 'omniparser: ONNX icon detector instead of the icon-detect model')
    .action(async (image: string, text: string, opts: LocateOptions, cmd: Command) => {
      const samples = Number(opts.samples);
      if (!(Number.isInteger(samples) && samples >= 1 && samples <= 16)) {
        throw new UsageError(`--samples must be a whole number from 1 to 16, not "${opts.samples}"`);
      }
      const hints = {
        prior: opts.prior === undefined ? undefined : parsePrior(opts.prior),
        elementName: opts.elementName,
      };
      const [{ decodeRgb }, { selectGrounder }, { resolveHome }] = await Promise.all([
        import('../../agents/ocr/frame.js'),
        import('../../agents/grounding/select.js'),
        import('../../library/home.js'),
      ]);
      // Read the image first: a bad path fails fast, before any model loads.
      let frame: { data: Uint8Array; width: number; height: number; channels: 3 };
      try {
        if (!fs.existsSync(image)) throw new Error('no such file');
        const rgb = await decodeRgb(image);
        frame = { data: rgb.data, width: rgb.width, height: rgb.height, channels: 3 };
      } catch (err) {
        throw new Error(`cannot read image ${image}: ${(err as Error).message.split('\n')[0]}`);
      }
      const t0 = performance.now();
      const selected = await selectGrounder(opts.grounder, {
        device: opts.device,
        dataDir: resolveHome(globalOptions(cmd).home),
        vlm: {
          endpoint: opts.endpoint,
          model: opts.model,
          apiKey: opts.apiKey,
          convention: opts.convention,
          samples,
          verify: opts.verify,
        },
        omniparser: { iconModel: opts.iconModel },
      });
      const t1 = performance.now();
      const result = await selected.grounder.locate(text, frame, hints);
      const ms = Math.round(performance.now() - t1);
      const loadMs = Math.round(t1 - t0);
      const common = {
        grounder: opts.grounder,
        provider: selected.provider,
        ms,
        loadMs,
        width: frame.width,
        height: frame.height,
      };
      if (result.found) {
        const data = {
          found: true,
          x: result.point.x,
          y: result.point.y,
          box: result.box,
          score: result.score,
          ...common,
          candidates: result.candidates,
        };
        output(
          cmd,
          data,
          () =>
            `found (${data.x}, ${data.y}) box [${data.box.join(', ')}] score ${data.score} ` +
            `(${opts.grounder} on ${selected.provider}, ${ms} ms)`,
        );
      } else {
        const data = { found: false, reason: result.reason, ...common, candidates: result.candidates };
        output(cmd, data, () => `not found: ${result.reason} (${opts.grounder} on ${selected.provider}, ${ms} ms)`);
      }
    });
}
