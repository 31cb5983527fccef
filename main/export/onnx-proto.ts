// Minimal protobuf writer for the ONNX messages an export needs (ModelProto, GraphProto, NodeProto, TensorProto with
// external data, ValueInfoProto, AttributeProto), following onnx/onnx.proto field numbers.

class Buf {
  private parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array) {
    this.parts.push(b);
    this.length += b.length;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function varint(n: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Uint8Array.from(out);
}

/** A message under construction: fields appended in any order (protobuf allows it). */
export class Msg {
  private b = new Buf();
  int(field: number, v: number | bigint): this {
    this.b.push(varint((field << 3) | 0));
    this.b.push(varint(v));
    return this;
  }
  f32(field: number, v: number): this {
    this.b.push(varint((field << 3) | 5));
    const x = new Uint8Array(4);
    new DataView(x.buffer).setFloat32(0, v, true);
    this.b.push(x);
    return this;
  }
  bytes(field: number, v: Uint8Array): this {
    this.b.push(varint((field << 3) | 2));
    this.b.push(varint(v.length));
    this.b.push(v);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
  msg(field: number, m: Msg): this {
    return this.bytes(field, m.encode());
  }
  encode(): Uint8Array {
    return this.b.bytes();
  }
}

export const DType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

export function attribute(name: string, v: AttrValue): Msg {
  const a = new Msg().str(1, name);
  if (typeof v === 'string') return a.str(4, v).int(20, 3);
  if (Array.isArray(v)) {
    for (const x of v) a.int(8, x);
    return a.int(20, 7);
  }
  if (typeof v === 'number') return a.int(3, v).int(20, 2);
  if ('float' in v) return a.f32(2, v.float).int(20, 1);
  for (const x of v.floats) a.f32(7, x);
  return a.int(20, 6);
}

export function node(opType: string, inputs: string[], outputs: string[], name: string, attrs: Record<string, AttrValue> = {}, domain = ''): Msg {
  const n = new Msg();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  n.str(3, name).str(4, opType);
  for (const [k, v] of Object.entries(attrs)) n.msg(5, attribute(k, v));
  if (domain) n.str(7, domain);
  return n;
}

/** An initializer whose bytes live in the external data file at [offset, offset + length). */
export function externalTensor(name: string, dims: number[], dtype: number, location: string, offset: number, length: number): Msg {
  const t = new Msg();
  for (const d of dims) t.int(1, d);
  t.int(2, dtype).str(8, name);
  const kv = (k: string, v: string) => new Msg().str(1, k).str(2, v);
  t.msg(13, kv('location', location)).msg(13, kv('offset', String(offset))).msg(13, kv('length', String(length)));
  return t.int(14, 1);
}

/** A small initializer stored inline. */
export function inlineTensor(name: string, dims: number[], dtype: number, raw: Uint8Array): Msg {
  const t = new Msg();
  for (const d of dims) t.int(1, d);
  return t.int(2, dtype).str(8, name).bytes(9, raw);
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): Msg {
  const shape = new Msg();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Msg().int(1, d) : new Msg().str(2, d));
  const tensorType = new Msg().int(1, elemType).msg(2, shape);
  return new Msg().str(1, name).msg(2, new Msg().msg(1, tensorType));
}

export function model(graph: Msg, opsets: { domain: string; version: number }[], producer = 'lathe'): Uint8Array {
  const m = new Msg().int(1, 8).str(2, producer);
  for (const o of opsets) m.msg(8, new Msg().str(1, o.domain).int(2, o.version));
  return m.msg(7, graph).encode();
}
