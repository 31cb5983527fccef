// GGUF v2/v3 reader that caps and checks every count, length and offset against the file size (reliability.md #9).
import { readFile } from 'node:fs/promises';
import { LatheError } from '../api/errors';
import { decodeGgml, GGML_BLOCK, ggmlTypeName, type GgmlTypeName } from './ggml-quants';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType } from './gguf-writer';

export type GgufReadValue = number | bigint | boolean | string | GgufReadValue[];

export interface GgufTensorInfo {
  name: string;
  ne: number[];
  type: GgmlTypeName;
  /** Relative to the data section. */
  offset: number;
  size: number;
}

export interface GgufFile {
  version: number;
  alignment: number;
  kv: Map<string, { type: number; value: GgufReadValue }>;
  tensors: GgufTensorInfo[];
  dataStart: number;
  bytes: Uint8Array;
}

/** Largest alignment we accept: a power of two; anything bigger is hostile padding. */
const MAX_ALIGNMENT = 1 << 20;
const MAX_DIMS = 4;

const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

class Cursor {
  pos = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array, private readonly where: string) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  fail(msg: string): never {
    throw new LatheError('gguf_invalid', `${this.where}: ${msg} (at byte ${this.pos})`, 'The GGUF file is damaged or not a GGUF file; re-export or re-download it.');
  }
  need(n: number | bigint) {
    if (BigInt(this.pos) + BigInt(n) > BigInt(this.b.byteLength)) this.fail(`needs ${n} more bytes but the file ends`);
  }
  get left() { return this.b.byteLength - this.pos; }
  u8() { this.need(1); return this.dv.getUint8(this.pos++); }
  u32() { this.need(4); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  u64() { this.need(8); const v = this.dv.getBigUint64(this.pos, true); this.pos += 8; return v; }
  str(): string {
    const n = this.u64();
    this.need(n);
    const s = new TextDecoder('utf-8', { fatal: false }).decode(this.b.subarray(this.pos, this.pos + Number(n)));
    this.pos += Number(n);
    return s;
  }
  scalar(type: number): GgufReadValue {
    const size = SCALAR_SIZE[type];
    if (type === GgufValueType.STRING) return this.str();
    if (size === undefined) this.fail(`unknown value type ${type}`);
    this.need(size);
    const p = this.pos;
    this.pos += size;
    switch (type) {
      case 0: return this.dv.getUint8(p);
      case 1: return this.dv.getInt8(p);
      case 2: return this.dv.getUint16(p, true);
      case 3: return this.dv.getInt16(p, true);
      case 4: return this.dv.getUint32(p, true);
      case 5: return this.dv.getInt32(p, true);
      case 6: return this.dv.getFloat32(p, true);
      case 7: {
        const b = this.dv.getUint8(p);
        if (b > 1) this.fail(`bool value ${b}`);
        return b === 1;
      }
      case 10: return this.dv.getBigUint64(p, true);
      case 11: return this.dv.getBigInt64(p, true);
      default: return this.dv.getFloat64(p, true);
    }
  }
}

/** Parses a whole GGUF held in memory. */
export function parseGguf(bytes: Uint8Array, where = 'GGUF'): GgufFile {
  const c: Cursor = new Cursor(bytes, where); // annotated so c.fail() narrows types
  if (bytes.byteLength < 24) c.fail(`file is ${bytes.byteLength} bytes, too small for a GGUF header`);
  if (c.u32() !== GGUF_MAGIC) c.fail('bad magic (not a GGUF file)');
  const version = c.u32();
  if (version !== 2 && version !== 3) c.fail(`unsupported GGUF version ${version}`);
  const nTensors = c.u64();
  const nKv = c.u64();
  // Every tensor info needs ≥ 8+1+4+8+4+8 bytes and every KV ≥ 8+4+1: counts beyond that are lies.
  if (nTensors * 33n > BigInt(c.left)) c.fail(`tensor count ${nTensors} cannot fit in the file`);
  if (nKv * 13n > BigInt(c.left)) c.fail(`key/value count ${nKv} cannot fit in the file`);
  const kv = new Map<string, { type: number; value: GgufReadValue }>();
  for (let i = 0; i < Number(nKv); i++) {
    const key = c.str();
    if (kv.has(key)) c.fail(`duplicate key ${key}`);
    const type = c.u32();
    let value: GgufReadValue;
    if (type === GgufValueType.ARRAY) {
      const et = c.u32();
      if (et === GgufValueType.ARRAY) c.fail(`key ${key}: nested arrays are not supported`);
      const n = c.u64();
      const min = et === GgufValueType.STRING ? 8 : SCALAR_SIZE[et];
      if (min === undefined) c.fail(`key ${key}: unknown array element type ${et}`);
      if (n * BigInt(min) > BigInt(c.left)) c.fail(`key ${key}: array of ${n} elements cannot fit in the file`);
      const arr: GgufReadValue[] = new Array(Number(n));
      for (let j = 0; j < arr.length; j++) arr[j] = c.scalar(et);
      value = arr;
    } else {
      value = c.scalar(type);
    }
    kv.set(key, { type, value });
  }
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = kv.get('general.alignment');
  if (al) {
    if (al.type !== GgufValueType.UINT32) c.fail('general.alignment must be a u32');
    const a = al.value as number;
    if (a === 0 || (a & (a - 1)) !== 0 || a > MAX_ALIGNMENT) c.fail(`general.alignment ${a} is not a power of two ≤ ${MAX_ALIGNMENT}`);
    alignment = a;
  }
  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  let expected = 0n;
  for (let i = 0; i < Number(nTensors); i++) {
    const name = c.str();
    if (Buffer.byteLength(name) >= 64) c.fail(`tensor name ${name.slice(0, 80)} is 64 bytes or longer`);
    if (names.has(name)) c.fail(`duplicate tensor ${name}`);
    names.add(name);
    const nDims = c.u32();
    if (nDims < 1 || nDims > MAX_DIMS) c.fail(`tensor ${name}: ${nDims} dims (1..${MAX_DIMS} allowed)`);
    const ne: bigint[] = [];
    for (let d = 0; d < nDims; d++) ne.push(c.u64());
    const typeId = c.u32();
    const maybeType = ggmlTypeName(typeId);
    if (!maybeType) c.fail(`tensor ${name}: unsupported ggml type ${typeId}`);
    const type: GgmlTypeName = maybeType;
    const offset = c.u64();
    const blk = GGML_BLOCK[type];
    let n = 1n;
    for (const d of ne) {
      n *= d;
      if (n > BigInt(bytes.byteLength) * BigInt(blk.elems)) c.fail(`tensor ${name}: shape [${ne}] is larger than the file`);
    }
    if (ne[0] % BigInt(blk.elems) !== 0n) c.fail(`tensor ${name}: ne[0]=${ne[0]} is not a multiple of the ${type} block size`);
    const size = (n / BigInt(blk.elems)) * BigInt(blk.bytes);
    if (offset !== expected) c.fail(`tensor ${name}: offset ${offset}, expected ${expected} (tensor data must follow tensor-info order)`);
    expected += ((size + BigInt(alignment) - 1n) / BigInt(alignment)) * BigInt(alignment);
    tensors.push({ name, ne: ne.map(Number), type, offset: Number(offset), size: Number(size) });
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  for (const t of tensors) {
    if (dataStart + t.offset + t.size > bytes.byteLength) c.fail(`tensor ${t.name} runs past the end of the file`);
  }
  return { version, alignment, kv, tensors, dataStart, bytes };
}

export async function readGguf(path: string): Promise<GgufFile> {
  return parseGguf(new Uint8Array(await readFile(path)), path);
}

/** Dequantizes one tensor to f32. */
export function ggufTensorF32(f: GgufFile, name: string): Float32Array {
  const t = f.tensors.find((x) => x.name === name);
  if (!t) throw new LatheError('gguf_tensor_missing', `GGUF has no tensor ${name}`);
  const start = f.dataStart + t.offset;
  return decodeGgml(f.bytes.subarray(start, start + t.size), t.type, t.ne.reduce((a, b) => a * b, 1));
}

export function ggufValue(f: GgufFile, key: string): GgufReadValue | undefined {
  return f.kv.get(key)?.value;
}
