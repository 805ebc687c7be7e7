import fs from 'node:fs';
import { type Command, Option } from 'commander';
import { DEFAULT_GROUNDER, DEVICES, GROUNDER_NAMES, type Device, type GrounderName } from '../../core/vocabulary.js';
import type { CascadeAnswer } from '../../agents/grounding/cascade.js';
import { globalOptions, output, UsageError } from '../context.js';

/**
 * `pcagent locate IMAGE TEXT`: grounds one description on one image file with the chosen
 * grounder and prints where a click would land, in the image's pixels (SPEC §3). `IMAGE` may be
 * `screen`: the screen as it is now, where the live accessibility tree can answer too. Finding
 * nothing is an answer (exit 0); an unreadable image or a grounder that cannot start is an
 * error (exit 1). With `auto` the answer names the cascade stage that gave it.
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
  template?: string;
  templateBox?: string;
}

function parseBox(value: string): [number, number, number, number] {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (
    parts.length !== 4 ||
    parts.some((n) => !Number.isFinite(n)) ||
    parts[2]! <= parts[0]! ||
    parts[3]! <= parts[1]!
  ) {
    throw new UsageError(`--template-box must be LEFT,TOP,RIGHT,BOTTOM in the template image's pixels, not "${value}"`);
  }
  return parts as [number, number, number, number];
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
    .argument(
      '<image>',
      'image file (PNG, JPEG, WebP, …), or `screen` for the screen now (the live accessibility tree answers too)',
    )
    .argument('<text>', `description of the target, e.g. "the 'Insert' tab in the menu bar"`)
    .addOption(new Option('--grounder <name>', 'grounder').choices(GROUNDER_NAMES).default(DEFAULT_GROUNDER))
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
    .option('--template <image>', "visual: the target's picture as it looked before (a frame, or a crop of one)")
    .option('--template-box <l,t,r,b>', 'visual: the target in the --template image (default: the whole image)')
    .action(async (image: string, text: string, opts: LocateOptions, cmd: Command) => {
      const samples = Number(opts.samples);
      if (!(Number.isInteger(samples) && samples >= 1 && samples <= 16)) {
        throw new UsageError(`--samples must be a whole number from 1 to 16, not "${opts.samples}"`);
      }
      const live = image === 'screen';
      const [{ decodeRgb }, { selectGrounder }, { resolveHome }] = await Promise.all([
        import('../../agents/ocr/frame.js'),
        import('../../agents/grounding/select.js'),
        import('../../library/home.js'),
      ]);
      const templateBox = opts.templateBox === undefined ? undefined : parseBox(opts.templateBox);
      if (templateBox && !opts.template) throw new UsageError('--template-box needs --template');
      // Read the images first: a bad path fails fast, before any model loads.
      let frame: { data: Uint8Array; width: number; height: number; channels: 3 };
      let recorded: { frame: string; box: [number, number, number, number] } | undefined;
      try {
        if (live) {
          frame = await screenFrame();
        } else {
          if (!fs.existsSync(image)) throw new Error('no such file');
          const rgb = await decodeRgb(image);
          frame = { data: rgb.data, width: rgb.width, height: rgb.height, channels: 3 };
        }
      } catch (err) {
        throw new Error(
          `cannot read ${live ? 'the screen' : `image ${image}`}: ${(err as Error).message.split('\n')[0]}`,
        );
      }
      if (opts.template) {
        try {
          if (!fs.existsSync(opts.template)) throw new Error('no such file');
          const t = await decodeRgb(opts.template);
          recorded = { frame: opts.template, box: templateBox ?? [0, 0, t.width, t.height] };
        } catch (err) {
          throw new Error(`cannot read template ${opts.template}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      const hints = {
        prior: opts.prior === undefined ? undefined : parsePrior(opts.prior),
        elementName: opts.elementName,
        recorded,
        live,
      };
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
      // `auto`: which stage of the cascade answered, and what each one said.
      const cascade = result as Partial<CascadeAnswer>;
      const stage = cascade.trail ? { stage: cascade.stage, trail: cascade.trail } : {};
      const via = cascade.stage ? `auto → ${cascade.stage}` : opts.grounder;
      if (result.found) {
        const data = {
          found: true,
          x: result.point.x,
          y: result.point.y,
          box: result.box,
          score: result.score,
          ...common,
          ...stage,
          candidates: result.candidates,
        };
        output(
          cmd,
          data,
          () =>
            `found (${data.x}, ${data.y}) box [${data.box.join(', ')}] score ${data.score} ` +
            `(${via} on ${selected.provider}, ${ms} ms)`,
        );
      } else {
        const data = { found: false, reason: result.reason, ...common, ...stage, candidates: result.candidates };
        output(cmd, data, () => `not found: ${result.reason} (${opts.grounder} on ${selected.provider}, ${ms} ms)`);
      }
    });
}

/** The whole screen now, as a raw RGB frame (after the display check: nut-js must not load without one). */
async function screenFrame(): Promise<{ data: Uint8Array; width: number; height: number; channels: 3 }> {
  const { assertDisplay } = await import('../../agents/display.js');
  await assertDisplay('locate screen');
  const [{ openScreen }, { decodeRgb }] = await Promise.all([
    import('../../agents/screen.js'),
    import('../../agents/ocr/frame.js'),
  ]);
  const screen = await openScreen();
  try {
    const rgb = await decodeRgb((await screen.shot()).png);
    return { data: rgb.data, width: rgb.width, height: rgb.height, channels: 3 };
  } finally {
    screen.close();
  }
}
