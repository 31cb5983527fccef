// GGUF v3 writer: typed key/values, tensor infos with llama.cpp's offset rules, aligned data, streamed and atomic.
import { LatheError } from '../api/errors';
import { writeFileAtomic } from '../fs/atomic-file';
import { GgmlType, ggmlTensorBytes, type GgmlTypeName } from './ggml-quants';

export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

export const GgufValueType = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;
export type GgufScalarType = Exclude<keyof typeof GgufValueType, 'ARRAY'>;

export type GgufValue =
  | { type: Exclude<GgufScalarType, 'STRING' | 'BOOL' | 'UINT64' | 'INT64'>; value: number }
  | { type: 'UINT64' | 'INT64'; value: bigint | number }
  | { type: 'BOOL'; value: boolean }
  | { type: 'STRING'; value: string }
  | { type: 'ARRAY'; elemType: GgufScalarType; values: (number | bigint | boolean | string)[] };

export const gv = {
  u32: (value: number): GgufValue => ({ type: 'UINT32', value }),
  i32: (value: number): GgufValue => ({ type: 'INT32', value }),
  f32: (value: number): GgufValue => ({ type: 'FLOAT32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'BOOL', value }),
  str: (value: string): GgufValue => ({ type: 'STRING', value }),
  arr: (elemType: GgufScalarType, values: (number | bigint | boolean | string)[]): GgufValue => ({ type: 'ARRAY', elemType, values }),
};

export interface GgufTensor {
  name: string;
  /** ggml order: ne[0] innermost (reverse of the torch shape). */
  ne: number[];
  type: GgmlTypeName;
  data: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
}

/** Growable little-endian byte buffer for the header. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  private need(n: number) {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }
  u8(v: number) { this.need(1); this.dv.setUint8(this.length, v); this.length += 1; }
  i8(v: number) { this.need(1); this.dv.setInt8(this.length, v); this.length += 1; }
  u16(v: number) { this.need(2); this.dv.setUint16(this.length, v, true); this.length += 2; }
  i16(v: number) { this.need(2); this.dv.setInt16(this.length, v, true); this.length += 2; }
  u32(v: number) { this.need(4); this.dv.setUint32(this.length, v, true); this.length += 4; }
  i32(v: number) { this.need(4); this.dv.setInt32(this.length, v, true); this.length += 4; }
  f32(v: number) { this.need(4); this.dv.setFloat32(this.length, v, true); this.length += 4; }
  f64(v: number) { this.need(8); this.dv.setFloat64(this.length, v, true); this.length += 8; }
  u64(v: bigint | number) { this.need(8); this.dv.setBigUint64(this.length, BigInt(v), true); this.length += 8; }
  i64(v: bigint | number) { this.need(8); this.dv.setBigInt64(this.length, BigInt(v), true); this.length += 8; }
  bytes(b: Uint8Array) { this.need(b.length); this.buf.set(b, this.length); this.length += b.length; }
  str(s: string) { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.bytes(b); }
  zeros(n: number) { this.need(n); this.buf.fill(0, this.length, this.length + n); this.length += n; }
  result(): Uint8Array { return this.buf.subarray(0, this.length); }
}

function writeScalar(s: ByteSink, type: GgufScalarType, v: number | bigint | boolean | string, key: string) {
  const bad = () => { throw new LatheError('gguf_value_invalid', `GGUF key ${key}: value ${String(v)} does not fit ${type}`); };
  switch (type) {
    case 'UINT8': case 'INT8': case 'UINT16': case 'INT16': case 'UINT32': case 'INT32': {
      if (typeof v !== 'number' || !Number.isInteger(v)) bad();
      const n = v as number;
      const [lo, hi] = { UINT8: [0, 255], INT8: [-128, 127], UINT16: [0, 65535], INT16: [-32768, 32767], UINT32: [0, 2 ** 32 - 1], INT32: [-(2 ** 31), 2 ** 31 - 1] }[type];
      if (n < lo || n > hi) bad();
      ({ UINT8: s.u8, INT8: s.i8, UINT16: s.u16, INT16: s.i16, UINT32: s.u32, INT32: s.i32 })[type].call(s, n);
      return;
    }
    case 'FLOAT32': if (typeof v !== 'number') bad(); s.f32(v as number); return;
    case 'FLOAT64': if (typeof v !== 'number') bad(); s.f64(v as number); return;
    case 'BOOL': if (typeof v !== 'boolean') bad(); s.u8(v ? 1 : 0); return;
    case 'STRING': if (typeof v !== 'string') bad(); s.str(v as string); return;
    case 'UINT64': if (typeof v !== 'number' && typeof v !== 'bigint') bad(); s.u64(v as bigint); return;
    case 'INT64': if (typeof v !== 'number' && typeof v !== 'bigint') bad(); s.i64(v as bigint); return;
  }
}

export class GgufWriter {
  private readonly kv = new Map<string, GgufValue>();
  private readonly tensors: GgufTensor[] = [];
  private readonly names = new Set<string>();

  set(key: string, value: GgufValue): this {
    if (this.kv.has(key)) throw new LatheError('gguf_duplicate_key', `GGUF key ${key} is set twice`);
    if (key === 'general.alignment') {
      const a = value.type === 'UINT32' ? value.value : NaN;
      if (!(a > 0 && (a & (a - 1)) === 0)) throw new LatheError('gguf_value_invalid', 'general.alignment must be a u32 power of two');
    }
    this.kv.set(key, value);
    return this;
  }

  addTensor(t: GgufTensor): this {
    if (Buffer.byteLength(t.name, 'utf8') >= 64) throw new LatheError('gguf_tensor_name', `tensor name ${t.name} is 64 bytes or longer`);
    if (this.names.has(t.name)) throw new LatheError('gguf_tensor_name', `tensor ${t.name} is added twice`);
    if (t.ne.length < 1 || t.ne.length > 4) throw new LatheError('gguf_tensor_shape', `tensor ${t.name} has ${t.ne.length} dims (1..4 allowed)`);
    ggmlTensorBytes(t.type, t.ne); // checks the block size
    this.names.add(t.name);
    this.tensors.push(t);
    return this;
  }

  get alignment(): number {
    const a = this.kv.get('general.alignment');
    return a && a.type === 'UINT32' ? a.value : GGUF_DEFAULT_ALIGNMENT;
  }

  /** Header + tensor infos + padding, and the data offsets of each tensor (relative to the data start). */
  buildHeader(): { header: Uint8Array; offsets: number[]; sizes: number[] } {
    const s = new ByteSink();
    s.u32(GGUF_MAGIC);
    s.u32(GGUF_VERSION);
    s.u64(this.tensors.length);
    s.u64(this.kv.size);
    for (const [key, v] of this.kv) {
      s.str(key);
      s.u32(GgufValueType[v.type]);
      if (v.type === 'ARRAY') {
        s.u32(GgufValueType[v.elemType]);
        s.u64(v.values.length);
        for (const e of v.values) writeScalar(s, v.elemType, e, key);
      } else {
        writeScalar(s, v.type, v.value, key);
      }
    }
    const align = this.alignment;
    const offsets: number[] = [];
    const sizes: number[] = [];
    let off = 0;
    for (const t of this.tensors) {
      const size = ggmlTensorBytes(t.type, t.ne);
      s.str(t.name);
      s.u32(t.ne.length);
      for (const d of t.ne) s.u64(d);
      s.u32(GgmlType[t.type]);
      s.u64(off);
      offsets.push(off);
      sizes.push(size);
      // Each tensor is padded to the alignment, in tensor-info order (llama.cpp checks this exactly).
      off += Math.ceil(size / align) * align;
    }
    s.zeros((align - (s.length % align)) % align);
    return { header: s.result(), offsets, sizes };
  }

  /** Writes the file atomically; tensor data is produced one tensor at a time. Returns the file size. */
  async write(path: string): Promise<number> {
    const { header, sizes } = this.buildHeader();
    const align = this.alignment;
    return writeFileAtomic(path, async (w) => {
      await w.write(header);
      for (let i = 0; i < this.tensors.length; i++) {
        const t = this.tensors[i];
        const bytes = typeof t.data === 'function' ? await t.data() : t.data;
        if (bytes.byteLength !== sizes[i]) {
          throw new LatheError('gguf_tensor_size', `${path}: tensor ${t.name} has ${bytes.byteLength} bytes, ${t.type} [${t.ne}] needs ${sizes[i]}`);
        }
        await w.write(bytes);
        const pad = (align - (sizes[i] % align)) % align;
        if (pad) await w.write(new Uint8Array(pad));
      }
    });
  }
}
