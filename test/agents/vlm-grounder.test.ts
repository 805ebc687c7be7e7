import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  coordinateAdapter,
  guessConvention,
  qwenSmartResize,
  roundHalfEven,
  type Convention,
} from '../../src/agents/grounding/coordinates.js';
import type { RawFrame } from '../../src/agents/grounding/grounder.js';
import { selectGrounder } from '../../src/agents/grounding/select.js';
import {
  clusterPoints,
  readVerdict,
  VlmGrounder,
  type VlmGrounderOptions,
} from '../../src/agents/grounding/vlm-grounder.js';
import type { FakeModelServer } from '../support/openai-server.js';
import { type FakeRequest } from '../support/openai-server.js';
import { useFakeModelServer } from '../support/hooks.js';

const HD = { width: 1920, height: 1080 };
const WXGA = { width: 1366, height: 768 };

function blank(size: { width: number; height: number }): RawFrame {
  return { data: new Uint8Array(size.width * size.height * 3), width: size.width, height: size.height, channels: 3 };
}
const HD_FRAME = blank(HD);
const WXGA_FRAME = blank(WXGA);

describe('coordinate conventions', () => {
  const parse = (c: Convention, answer: string, frame = HD) => coordinateAdapter(c).parse(answer, frame);

  it('Molmo: percent of width and height', () => {
    const answer = '<point x="50.0" y="25.0" alt="Insert tab">Insert tab</point>';
    expect(parse('molmo', answer)).toEqual({ x: 960, y: 270 });
    expect(parse('molmo', answer, WXGA)).toEqual({ x: 683, y: 192 });
    expect(parse('molmo', '<points x1="10" y1="20" x2="80" y2="90" alt="two">two</points>')).toEqual({
      x: 192,
      y: 216,
    });
    expect(parse('molmo', " <point x='12.5' y='87.5'>x</point>", WXGA)).toEqual({ x: 171, y: 672 });
  });

  it('UI-TARS: 0–1000 points and boxes in its output forms', () => {
    expect(parse('uitars', '(500,250)')).toEqual({ x: 960, y: 270 });
    expect(parse('uitars', '(500,250)', WXGA)).toEqual({ x: 683, y: 192 });
    expect(parse('uitars', "Action: click(start_box='(250,750)')")).toEqual({ x: 480, y: 810 });
    expect(parse('uitars', '<|box_start|>(100,200),(300,400)<|box_end|>')).toEqual({
      x: 384,
      y: 324,
      box: [192, 216, 576, 432],
    });
    expect(parse('uitars', '<|box_start|>(100,200),(300,400)<|box_end|>', WXGA)).toEqual({
      x: 273,
      y: 230,
      box: [137, 154, 410, 307],
    });
    expect(parse('uitars', "click(start_box='<|box_start|>(999,1000)<|box_end|>')")).toEqual({ x: 1918, y: 1079 });
    expect(parse('uitars', "click(point='<point>100 900</point>')", WXGA)).toEqual({ x: 137, y: 691 });
  });

  it('Qwen2.5-VL: the smart-resize rule (multiples of 28, min/max pixels, Python rounding)', () => {
    expect(qwenSmartResize(HD)).toEqual({ width: 1932, height: 1092 });
    expect(qwenSmartResize(WXGA)).toEqual({ width: 1372, height: 756 });
    expect(qwenSmartResize({ width: 3840, height: 2160 })).toEqual({ width: 3836, height: 2156 });
    // Over max_pixels: scaled down, floored to multiples of 28.
    expect(qwenSmartResize(HD, { maxPixels: 1003520 })).toEqual({ width: 1316, height: 728 });
    expect(qwenSmartResize(WXGA, { maxPixels: 1003520 })).toEqual({ width: 1316, height: 728 });
    // Under min_pixels: scaled up, ceiled.
    expect(qwenSmartResize({ width: 40, height: 50 })).toEqual({ width: 56, height: 84 });
    // 70 / 28 = 2.5 rounds to 2 as in Python, not to 3.
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(1.5)).toBe(2);
    expect(qwenSmartResize({ width: 70, height: 42 })).toEqual({ width: 56, height: 56 });
  });

  it('Qwen2.5-VL: absolute pixels of the resized image map back to the frame', () => {
    expect(parse('qwen25vl', '{"point_2d": [966, 546], "label": "centre"}')).toEqual({ x: 960, y: 540 });
    expect(parse('qwen25vl', '```json\n[{"point_2d": [686, 378]}]\n```', WXGA)).toEqual({ x: 683, y: 384 });
    expect(parse('qwen25vl', '[{"bbox_2d": [0, 0, 1932, 1092], "label": "all"}]')).toEqual({
      x: 960,
      y: 540,
      box: [0, 0, 1920, 1080],
    });
    const small = coordinateAdapter('qwen25vl', { qwen: { maxPixels: 1003520 } });
    expect(small.imageSize(HD)).toEqual({ width: 1316, height: 728 });
    expect(small.parse('(658, 364)', HD)).toEqual({ x: 960, y: 540 });
  });

  it('ShowUI: 0–1 points', () => {
    expect(parse('showui', '[0.5, 0.25]')).toEqual({ x: 960, y: 270 });
    expect(parse('showui', '[0.5,0.25]', WXGA)).toEqual({ x: 683, y: 192 });
    expect(parse('showui', '[0.1, 0.2, 0.3, 0.4]')).toEqual({ x: 384, y: 324, box: [192, 216, 576, 432] });
  });

  it('answers without coordinates, or outside the convention, are not points', () => {
    for (const c of ['molmo', 'uitars', 'qwen25vl', 'showui'] as const) {
      expect(parse(c, 'I cannot find that element.')).toBeNull();
      expect(parse(c, '')).toBeNull();
    }
    expect(parse('molmo', '<point x="150" y="20">far</point>')).toBeNull();
    expect(parse('molmo', '<point alt="no coords">x</point>')).toBeNull();
    expect(parse('showui', '[640, 480]')).toBeNull();
    expect(parse('uitars', '(1500, 200)')).toBeNull();
  });

  it('guesses the convention from the model name', () => {
    expect(guessConvention('allenai/Molmo-72B-0924')).toBe('molmo');
    expect(guessConvention('bytedance-research/UI-TARS-7B-DPO')).toBe('uitars');
    expect(guessConvention('Qwen/Qwen2.5-VL-7B-Instruct')).toBe('qwen25vl');
    expect(guessConvention('showlab/ShowUI-2B')).toBe('showui');
    expect(guessConvention('gpt-4o')).toBeUndefined();
  });
});

describe('sampling helpers', () => {
  it('groups nearby answers and takes the biggest group’s median', () => {
    const clusters = clusterPoints(
      [
        { x: 100, y: 100 },
        { x: 900, y: 500 },
        { x: 104, y: 98 },
        { x: 110, y: 105 },
      ],
      20,
    );
    expect(clusters).toEqual([
      { x: 104, y: 100, members: [0, 2, 3] },
      { x: 900, y: 500, members: [1] },
    ]);
  });

  it('reads Accept / Reject; anything else is neither', () => {
    expect(readVerdict('Accept')).toBe('accept');
    expect(readVerdict('reject.')).toBe('reject');
    expect(readVerdict('Rejected: the dot is on the ribbon.')).toBe('reject');
    expect(readVerdict('I think so')).toBeNull();
  });
});

const isVerify = (r: FakeRequest) => r.lastUser.includes('Accept or Reject');

async function imageSize(url: string | undefined): Promise<[number | undefined, number | undefined]> {
  const meta = await sharp(Buffer.from((url ?? '').split(',')[1] ?? '', 'base64')).metadata();
  return [meta.width, meta.height];
}

describe('VlmGrounder against an OpenAI-compatible server', () => {
  let server: FakeModelServer;
  useFakeModelServer((s) => (server = s));

  const grounder = (convention: Convention, options: Partial<VlmGrounderOptions> = {}) =>
    new VlmGrounder({ endpoint: server.url, model: `fake-${convention}`, convention, maxRetries: 0, ...options });

  /** Grounding answers in order of arrival; the verification answers in order. */
  function script(grounding: readonly string[], verdicts: readonly string[] = ['Accept']): void {
    let g = 0;
    let v = 0;
    server.when(isVerify, () => verdicts[Math.min(v++, verdicts.length - 1)] as string);
    server.when(
      () => true,
      () => grounding[Math.min(g++, grounding.length - 1)] as string,
    );
  }

  const cases: [Convention, string, { x: number; y: number }, { x: number; y: number }][] = [
    ['molmo', '<point x="25.0" y="50.0" alt="t">t</point>', { x: 480, y: 540 }, { x: 342, y: 384 }],
    ['uitars', "click(start_box='(250,500)')", { x: 480, y: 540 }, { x: 342, y: 384 }],
    ['showui', '[0.25, 0.5]', { x: 480, y: 540 }, { x: 342, y: 384 }],
  ];

  it.each(cases)(
    '%s answers map to exact frame pixels on 1920×1080 and 1366×768',
    async (convention, answer, hd, wxga) => {
      script([answer]);
      const g = grounder(convention);
      const a = await g.locate('the target', HD_FRAME);
      expect(a).toMatchObject({ found: true, point: hd, score: 1, source: 'vlm' });
      const b = await g.locate('the target', WXGA_FRAME);
      expect(b).toMatchObject({ found: true, point: wxga, score: 1 });
      // Three samples at temperature 0.8, then one verification at 0, per frame.
      const chats = server.chats;
      expect(chats).toHaveLength(8);
      expect(chats.filter((r) => !isVerify(r)).map((r) => r.body?.temperature)).toEqual([0.8, 0.8, 0.8, 0.8, 0.8, 0.8]);
      expect(chats.filter(isVerify).map((r) => r.body?.temperature)).toEqual([0, 0]);
      expect(chats[0]?.model).toBe(`fake-${convention}`);
      expect(chats.every((r) => r.images.length === 1)).toBe(true);
      // Resolution-free conventions get the frame at its own size.
      expect(await imageSize(chats[0]?.images[0])).toEqual([1920, 1080]);
      expect(await imageSize(chats[4]?.images[0])).toEqual([1366, 768]);
    },
  );

  it('qwen25vl: sends the smart-resized image and maps its pixels back', async () => {
    script(['{"point_2d": [483, 546]}']);
    const g = grounder('qwen25vl', { verify: false });
    const a = await g.locate('the target', HD_FRAME);
    expect(a).toMatchObject({ found: true, point: { x: 480, y: 540 } });
    expect(await imageSize(server.chats[0]?.images[0])).toEqual([1932, 1092]);

    server.reset();
    script(['{"bbox_2d": [343, 378, 1029, 756]}']);
    const b = await g.locate('the target', WXGA_FRAME);
    // Box centre (686, 567) of 1372×756 → (683, 576) of 1366×768.
    expect(b).toMatchObject({ found: true, point: { x: 683, y: 576 }, box: [342, 384, 1025, 768] });
    expect(await imageSize(server.chats[0]?.images[0])).toEqual([1372, 756]);
    expect(server.chats).toHaveLength(3);
  });

  it('takes the median of the biggest group of samples and reports the outlier', async () => {
    script(['(500,250)', '(900,900)', '(505,252)']);
    const r = await grounder('uitars', { verify: false }).locate('the target', HD_FRAME);
    expect(r.found).toBe(true);
    if (!r.found) return;
    // (960, 270) and (970, 272): median (965, 271); the outlier at (1728, 972) loses.
    expect(r.point).toEqual({ x: 965, y: 271 });
    expect(r.score).toBeCloseTo(2 / 3, 3);
    expect(r.candidates[0]?.reason).toMatch(/2\/3 answers agree; not verified/);
    expect(r.candidates.some((c) => c.reason.includes('smaller group') && c.box[0] < 1728 && c.box[2] > 1728)).toBe(
      true,
    );

    server.reset();
    script(['(500,250)', '(900,900)', '(505,252)']);
    const m = await grounder('uitars', { verify: false, aggregate: 'median' }).locate('the target', HD_FRAME);
    expect(m).toMatchObject({ found: true, point: { x: 970, y: 272 }, score: 1 });
  });

  it('verification sees the marked frame and the element name; reject → retry → accept', async () => {
    let grounding = 0;
    server.when(isVerify, 'Reject', { times: 1 });
    server.when(isVerify, 'Accept');
    server.when(
      () => true,
      () => (grounding++ < 3 ? '<point x="10" y="10">a</point>' : '<point x="50" y="50">b</point>'),
    );
    const names: { x: number; y: number }[] = [];
    const g = grounder('molmo', {
      elementAt: (p) => {
        names.push(p);
        return p.x < 500 ? 'Wrong Button' : 'Right Button';
      },
    });
    const r = await g.locate("the 'Right' button", HD_FRAME, { elementName: 'Right Button' });
    expect(r).toMatchObject({ found: true, point: { x: 960, y: 540 }, score: 1 });
    if (!r.found) return;
    expect(r.candidates[0]?.reason).toMatch(/try 2: 3\/3 answers agree; accepted by verification/);
    const rejected = r.candidates.find((c) => c.reason.includes('rejected by verification'));
    expect(rejected?.reason).toMatch(/^try 1/);
    expect(rejected?.box[0]).toBeLessThanOrEqual(192);
    expect(names).toEqual([
      { x: 192, y: 108 },
      { x: 960, y: 540 },
    ]);

    const verifications = server.chats.filter(isVerify);
    expect(verifications).toHaveLength(2);
    expect(verifications[0]?.lastUser).toContain('under the dot is "Wrong Button"');
    expect(verifications[0]?.lastUser).toContain('known to be named "Right Button"');
    expect(verifications[0]?.lastUser).toContain("the 'Right' button");
    // The marked frame has the red dot at the proposed point and is otherwise the frame.
    const png = Buffer.from((verifications[1]?.images[0] as string).split(',')[1] as string, 'base64');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(1920);
    const px = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
    ];
    expect(px(960, 540)).toEqual([255, 0, 0]);
    expect(px(100, 100)).toEqual([0, 0, 0]);
  });

  it('all proposals rejected → not found, each rejected point in the candidates', async () => {
    let grounding = 0;
    server.when(isVerify, 'Reject');
    server.when(
      () => true,
      () => `(${100 + 300 * Math.floor(grounding++ / 3)},500)`,
    );
    const r = await grounder('uitars').locate('the target', WXGA_FRAME);
    expect(r.found).toBe(false);
    if (r.found) return;
    expect(r.reason).toBe('all 3 proposed points were rejected by verification');
    expect(
      r.candidates.filter((c) => c.reason.includes('rejected by verification')).map((c) => c.reason.slice(0, 5)),
    ).toEqual(['try 1', 'try 2', 'try 3']);
    expect(server.chats).toHaveLength(12);
  });

  it('does not verify a point again once it was rejected', async () => {
    server.when(isVerify, 'Reject');
    server.when(() => true, '[0.5, 0.5]');
    const r = await grounder('showui').locate('the target', HD_FRAME);
    expect(r).toMatchObject({ found: false });
    if (r.found) return;
    expect(r.reason).toMatch(
      /try 2: the answers only repeated rejected points; try 3: the answers only repeated rejected points/,
    );
    expect(server.chats.filter(isVerify)).toHaveLength(1);
  });

  it('an unclear verification answer is not an acceptance', async () => {
    script(['[0.5, 0.5]', '[0.2, 0.2]'], ['Hmm, hard to say', 'Accept']);
    const r = await grounder('showui', { samples: 1 }).locate('the target', HD_FRAME);
    expect(r).toMatchObject({ found: true, point: { x: 384, y: 216 } });
  });

  it('malformed answers: ignored among good ones; none usable → not found with the reason', async () => {
    script(['Sure! The element is near the top.', '<point x="50" y="50">ok</point>', 'no idea']);
    const r = await grounder('molmo', { verify: false }).locate('the target', HD_FRAME);
    expect(r).toMatchObject({ found: true, point: { x: 960, y: 540 } });
    if (!r.found) return;
    expect(r.score).toBeCloseTo(1 / 3, 3);
    expect(r.candidates[0]?.reason).toContain('2 answer(s) without a point ignored');

    server.reset();
    script(['I cannot see any such element.']);
    const none = await grounder('molmo').locate('the target', HD_FRAME);
    expect(none.found).toBe(false);
    if (none.found) return;
    expect(none.reason).toMatch(
      /^no accepted point after 3 tries \(try 1: no point in 3 answer\(s\), e\.g\. "I cannot see any such element\."/,
    );
    expect(server.chats.filter(isVerify)).toHaveLength(0);
  });

  it('an unreachable endpoint is an error, not "not found"', async () => {
    const g = new VlmGrounder({
      endpoint: 'http://127.0.0.1:9/v1',
      model: 'm',
      convention: 'molmo',
      maxRetries: 0,
      timeoutMs: 5000,
    });
    await expect(g.locate('x', blank({ width: 32, height: 32 }))).rejects.toThrow(
      /^vlm grounder \(m\): cannot reach http:\/\/127\.0\.0\.1:9\/v1: /,
    );
  });

  it('selectGrounder builds it from options and the environment', async () => {
    const s = await selectGrounder(
      'vlm',
      { vlm: { samples: 1, verify: false } },
      {
        PCAGENT_VLM_ENDPOINT: `http://127.0.0.1:${server.port}`,
        PCAGENT_VLM_MODEL: 'allenai/Molmo-7B-D',
      },
    );
    expect(s.provider).toBe('remote');
    server.when(() => true, '<point x="50" y="50">c</point>');
    expect(await s.grounder.locate('c', WXGA_FRAME)).toMatchObject({ found: true, point: { x: 683, y: 384 } });
    await expect(selectGrounder('vlm', { vlm: { endpoint: server.url, model: 'gpt-4o' } }, {})).rejects.toThrow(
      /cannot tell the coordinate convention of model "gpt-4o": pass --convention molmo\|uitars\|qwen25vl\|showui/,
    );
    await expect(selectGrounder('vlm', {}, {})).rejects.toThrow(/needs an endpoint/);
    await expect(selectGrounder('sonar', {}, {})).rejects.toThrow(/unknown grounder "sonar"/);
  });
});
