/**
 * Just enough of the ONNX protobuf format to rewrite a graph's nodes, without a protobuf
 * library: a model is kept as raw fields except its graph's nodes, which are decoded into
 * editable objects and encoded back. Field numbers are those of onnx.proto (ModelProto.graph 7,
 * GraphProto.node 1, NodeProto input 1 / output 2 / op_type 4 / attribute 5, AttributeProto
 * name 1 / f 2 / t 5 / ints 8 / type 20, TensorProto dims 1 / data_type 2 / raw_data 9).
 */

export interface Field {
  readonly no: number;
  readonly wire: number;
  /** Varint value (wire 0) or the field's bytes (wire 1, 2, 5). */
  readonly value: bigint | Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = buf[pos++];
    if (byte === undefined) throw new Error('truncated protobuf varint');
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) return [result, pos];
  }
}

function readFields(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p] = readVarint(buf, pos);
    pos = p;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, q] = readVarint(buf, pos);
      fields.push({ no, wire, value: v });
      pos = q;
    } else if (wire === 2) {
      const [len, q] = readVarint(buf, pos);
      const end = q + Number(len);
      fields.push({ no, wire, value: buf.subarray(q, end) });
      pos = end;
    } else if (wire === 5 || wire === 1) {
      const size = wire === 5 ? 4 : 8;
      fields.push({ no, wire, value: buf.subarray(pos, pos + size) });
      pos += size;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
  return fields;
}

function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function writeFields(fields: readonly Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    parts.push(Uint8Array.from(varint((BigInt(f.no) << 3n) | BigInt(f.wire))));
    if (f.wire === 0) parts.push(Uint8Array.from(varint(f.value as bigint)));
    else if (f.wire === 2) {
      const bytes = f.value as Uint8Array;
      parts.push(Uint8Array.from(varint(bytes.length)), bytes);
    } else parts.push(f.value as Uint8Array);
  }
  return Buffer.concat(parts);
}

const text = new TextDecoder();
const utf8 = new TextEncoder();

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Attributes and other fields, kept as encoded. */
  rest: Field[];
}

export interface FloatTensor {
  readonly dims: number[];
  readonly data: Float32Array;
}

export class OnnxModel {
  private constructor(
    private readonly modelFields: Field[],
    private readonly graphFields: Field[],
    public nodes: OnnxNode[],
  ) {}

  static parse(bytes: Uint8Array): OnnxModel {
    const modelFields = readFields(bytes);
    const graph = modelFields.find((f) => f.no === 7);
    if (!graph) throw new Error('ONNX model without a graph');
    const graphFields = readFields(graph.value as Uint8Array);
    const nodes = graphFields
      .filter((f) => f.no === 1)
      .map((f) => {
        const node: OnnxNode = { opType: '', inputs: [], outputs: [], rest: [] };
        for (const nf of readFields(f.value as Uint8Array)) {
          if (nf.no === 1) node.inputs.push(text.decode(nf.value as Uint8Array));
          else if (nf.no === 2) node.outputs.push(text.decode(nf.value as Uint8Array));
          else if (nf.no === 4) node.opType = text.decode(nf.value as Uint8Array);
          else node.rest.push(nf);
        }
        return node;
      });
    return new OnnxModel(modelFields, graphFields, nodes);
  }

  serialize(): Uint8Array {
    const nodeFields: Field[] = this.nodes.map((n) => ({
      no: 1,
      wire: 2,
      value: writeFields([
        ...n.inputs.map((s) => ({ no: 1, wire: 2, value: utf8.encode(s) })),
        ...n.outputs.map((s) => ({ no: 2, wire: 2, value: utf8.encode(s) })),
        { no: 4, wire: 2, value: utf8.encode(n.opType) },
        ...n.rest,
      ]),
    }));
    const graph = writeFields([...nodeFields, ...this.graphFields.filter((f) => f.no !== 1)]);
    return writeFields(this.modelFields.map((f) => (f.no === 7 ? { no: 7, wire: 2, value: graph } : f)));
  }
}

/** Attribute fields of a node by name. */
export function attributes(node: OnnxNode): Map<string, Field[]> {
  const out = new Map<string, Field[]>();
  for (const f of node.rest) {
    if (f.no !== 5) continue;
    const af = readFields(f.value as Uint8Array);
    const name = af.find((x) => x.no === 1);
    if (name) out.set(text.decode(name.value as Uint8Array), af);
  }
  return out;
}

export function floatAttribute(node: OnnxNode, name: string): number | undefined {
  const f = attributes(node)
    .get(name)
    ?.find((x) => x.no === 2);
  if (!f) return undefined;
  const b = f.value as Uint8Array;
  return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
}

/** The float tensor of a Constant node (attribute `value`), if it is one we can read. */
export function constantTensor(node: OnnxNode): FloatTensor | undefined {
  if (node.opType !== 'Constant') return undefined;
  const t = attributes(node)
    .get('value')
    ?.find((x) => x.no === 5);
  if (!t) return undefined;
  const dims: number[] = [];
  let type = 0;
  let raw: Uint8Array | undefined;
  for (const f of readFields(t.value as Uint8Array)) {
    if (f.no === 1 && f.wire === 0) dims.push(Number(f.value));
    else if (f.no === 1 && f.wire === 2) {
      const packed = f.value as Uint8Array;
      for (let p = 0; p < packed.length;) {
        const [v, q] = readVarint(packed, p);
        dims.push(Number(v));
        p = q;
      }
    } else if (f.no === 2) type = Number(f.value);
    else if (f.no === 9) raw = f.value as Uint8Array;
  }
  if (type !== 1 || !raw) return undefined;
  const data = new Float32Array(raw.length / 4);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  return { dims, data };
}

export function constantNode(output: string, tensor: FloatTensor): OnnxNode {
  const raw = new Uint8Array(tensor.data.length * 4);
  const view = new DataView(raw.buffer);
  tensor.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const tensorBytes = writeFields([
    ...tensor.dims.map((d) => ({ no: 1, wire: 0, value: BigInt(d) })),
    { no: 2, wire: 0, value: 1n },
    { no: 9, wire: 2, value: raw },
  ]);
  const attr = writeFields([
    { no: 1, wire: 2, value: utf8.encode('value') },
    { no: 5, wire: 2, value: tensorBytes },
    { no: 20, wire: 0, value: 4n },
  ]);
  return { opType: 'Constant', inputs: [], outputs: [output], rest: [{ no: 5, wire: 2, value: attr }] };
}

export function floatAttr(name: string, value: number): Field {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, value, true);
  return {
    no: 5,
    wire: 2,
    value: writeFields([
      { no: 1, wire: 2, value: utf8.encode(name) },
      { no: 2, wire: 5, value: b },
      { no: 20, wire: 0, value: 1n },
    ]),
  };
}

export function intsAttribute(node: OnnxNode, name: string): number[] | undefined {
  const fields = attributes(node).get(name);
  if (!fields) return undefined;
  const out: number[] = [];
  for (const f of fields) {
    if (f.no !== 8) continue;
    if (f.wire === 0) out.push(Number(BigInt.asIntN(64, f.value as bigint)));
    else {
      const packed = f.value as Uint8Array;
      for (let p = 0; p < packed.length;) {
        const [v, q] = readVarint(packed, p);
        out.push(Number(BigInt.asIntN(64, v)));
        p = q;
      }
    }
  }
  return out;
}
