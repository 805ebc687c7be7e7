import fs from 'node:fs';
import { constantNode, OnnxModel } from '../../src/agents/runtime/onnx-proto.js';

// ---- a tiny ONNX "detector": input images [1,3,640,640] (unused), output a constant tensor ----

const utf8 = new TextEncoder();
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const int = (no: number, v: number) => Uint8Array.from([...varint(no << 3), ...varint(v)]);
const bytes = (no: number, b: Uint8Array) => cat(Uint8Array.from([...varint((no << 3) | 2), ...varint(b.length)]), b);
const str = (no: number, s: string) => bytes(no, utf8.encode(s));
/** ValueInfoProto of a float tensor (TypeProto.tensor_type: elem_type 1, shape dims). */
function valueInfo(name: string, dims: readonly number[]): Uint8Array {
  const shape = cat(...dims.map((d) => bytes(1, int(1, d))));
  return cat(str(1, name), bytes(2, bytes(1, cat(int(1, 1), bytes(2, shape)))));
}

/**
 * A model whose output is `output` whatever the input: the graph skeleton (ir_version, opset,
 * input and output value infos) is written here; its one node comes from onnx-proto.ts.
 */
export function writeDetector(file: string, dims: number[], values: number[][]): string {
  const skeleton = cat(
    int(1, 8),
    str(2, 'pcagent-test'),
    bytes(8, cat(str(1, ''), int(2, 17))),
    bytes(
      7,
      cat(str(2, 'detector'), bytes(11, valueInfo('images', [1, 3, 640, 640])), bytes(12, valueInfo('output0', dims))),
    ),
  );
  const model = OnnxModel.parse(skeleton);
  model.nodes.push(constantNode('output0', { dims, data: Float32Array.from(values.flat()) }));
  fs.writeFileSync(file, model.serialize());
  return file;
}

/** Rows of [cx, cy, w, h, class scores…] → the [1, 4+C, N] layout (one row per value). */
export const channelsFirst = (anchors: number[][]): number[][] =>
  (anchors[0] ?? []).map((_, c) => anchors.map((a) => a[c] as number));
