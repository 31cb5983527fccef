// ggml tensor types and their reference encoders/decoders (F32, F16, BF16, Q8_0, Q4_0), bit-exact with ggml-quants.c *_ref.
import { f16BitsToF32, f32ToBf16Bits, f32ToF16Bits, bf16BitsToF32 } from '../models/dtype';
import { dequantizeQ4_K, dequantizeQ5_0, dequantizeQ6_K, quantizeQ4_K, quantizeQ5_0, quantizeQ6_K } from './ggml-kquants';

export const GgmlType = { F32: 0, F16: 1, Q4_0: 2, Q5_0: 6, Q8_0: 8, Q4_K: 12, Q6_K: 14, BF16: 30 } as const;
export type GgmlTypeName = keyof typeof GgmlType;

/** Elements per block and bytes per block (formats.md §4). */
export const GGML_BLOCK: Record<GgmlTypeName, { elems: number; bytes: number }> = {
  F32: { elems: 1, bytes: 4 },
  F16: { elems: 1, bytes: 2 },
  BF16: { elems: 1, bytes: 2 },
  Q8_0: { elems: 32, bytes: 34 },
  Q4_0: { elems: 32, bytes: 18 },
  Q5_0: { elems: 32, bytes: 22 },
  Q4_K: { elems: 256, bytes: 144 },
  Q6_K: { elems: 256, bytes: 210 },
};

export function ggmlTypeName(id: number): GgmlTypeName | undefined {
  return (Object.keys(GgmlType) as GgmlTypeName[]).find((k) => GgmlType[k] === id);
}

/** Byte size of a tensor with innermost dimension ne[0]; ne[0] must be a multiple of the block size. */
export function ggmlTensorBytes(type: GgmlTypeName, ne: number[]): number {
  const b = GGML_BLOCK[type];
  if (ne[0] % b.elems !== 0) throw new Error(`ne[0]=${ne[0]} is not a multiple of the ${type} block size ${b.elems}`);
  const n = ne.reduce((a, c) => a * c, 1);
  return (n / b.elems) * b.bytes;
}

/** C roundf: halves away from zero. */
function roundf(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

const fr = Math.fround;

export function quantizeQ8_0(x: Float32Array): Uint8Array {
  const nb = x.length / 32;
  const out = new Uint8Array(nb * 34);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < nb; i++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[i * 32 + j]));
    const d = fr(amax / 127);
    const id = d ? fr(1 / d) : 0;
    dv.setUint16(i * 34, f32ToF16Bits(d), true);
    for (let j = 0; j < 32; j++) dv.setInt8(i * 34 + 2 + j, roundf(fr(x[i * 32 + j] * id)));
  }
  return out;
}

export function quantizeQ4_0(x: Float32Array): Uint8Array {
  const nb = x.length / 32;
  const out = new Uint8Array(nb * 18);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < nb; i++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[i * 32 + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fr(max / -8);
    const id = d ? fr(1 / d) : 0;
    dv.setUint16(i * 18, f32ToF16Bits(d), true);
    for (let j = 0; j < 16; j++) {
      // (int8_t)(x*id + 8.5f) truncates toward zero, then MIN(15, ...).
      const x0 = fr(fr(x[i * 32 + j] * id) + 8.5);
      const x1 = fr(fr(x[i * 32 + 16 + j] * id) + 8.5);
      const q0 = Math.min(15, Math.trunc(x0));
      const q1 = Math.min(15, Math.trunc(x1));
      out[i * 18 + 2 + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
    }
  }
  return out;
}

/** Encodes f32 values (row-major, ne[0] innermost) as `type`. */
export function encodeGgml(values: Float32Array, type: GgmlTypeName): Uint8Array {
  switch (type) {
    case 'F32':
      return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    case 'F16':
    case 'BF16': {
      const out = new Uint8Array(values.length * 2);
      const dv = new DataView(out.buffer);
      const conv = type === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
      for (let i = 0; i < values.length; i++) dv.setUint16(i * 2, conv(values[i]), true);
      return out;
    }
    case 'Q8_0':
      return quantizeQ8_0(values);
    case 'Q4_0':
      return quantizeQ4_0(values);
    case 'Q5_0':
      return quantizeQ5_0(values);
    case 'Q4_K':
      return quantizeQ4_K(values);
    case 'Q6_K':
      return quantizeQ6_K(values);
  }
}

/** Decodes `type` bytes back to f32 (used by the GGUF reader in tests). */
export function decodeGgml(bytes: Uint8Array, type: GgmlTypeName, n: number): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  switch (type) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(dv.getUint16(i * 2, true));
      return out;
    case 'BF16':
      for (let i = 0; i < n; i++) out[i] = bf16BitsToF32(dv.getUint16(i * 2, true));
      return out;
    case 'Q8_0':
      for (let b = 0; b < n / 32; b++) {
        const d = f16BitsToF32(dv.getUint16(b * 34, true));
        for (let j = 0; j < 32; j++) out[b * 32 + j] = dv.getInt8(b * 34 + 2 + j) * d;
      }
      return out;
    case 'Q4_0':
      for (let b = 0; b < n / 32; b++) {
        const d = f16BitsToF32(dv.getUint16(b * 18, true));
        for (let j = 0; j < 16; j++) {
          const q = bytes[b * 18 + 2 + j];
          out[b * 32 + j] = ((q & 0xf) - 8) * d;
          out[b * 32 + 16 + j] = ((q >> 4) - 8) * d;
        }
      }
      return out;
    case 'Q5_0':
      return dequantizeQ5_0(bytes, n);
    case 'Q4_K':
      return dequantizeQ4_K(bytes, n);
    case 'Q6_K':
      return dequantizeQ6_K(bytes, n);
  }
}
