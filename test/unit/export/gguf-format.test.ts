// GGUF writer ↔ capped reader: every value type, llama.cpp's offset/alignment rules, exact quant codes, hostile files.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGgml, encodeGgml, quantizeQ4_0, quantizeQ8_0 } from '../../../main/export/ggml-quants';
import { parseGguf, readGguf, ggufTensorF32, ggufValue } from '../../../main/export/gguf-reader';
import { GgufWriter, gv } from '../../../main/export/gguf-writer';
import { f32ToBf16Bits, f32ToF16Bits, f16BitsToF32 } from '../../../main/models/dtype';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-gguf-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('writer → reader round trip', () => {
  it('keeps every value type, array type and tensor, with each tensor padded to the alignment', async () => {
    const w = new GgufWriter();
    w.set('general.architecture', gv.str('llama'));
    w.set('t.u8', { type: 'UINT8', value: 255 }).set('t.i8', { type: 'INT8', value: -128 });
    w.set('t.u16', { type: 'UINT16', value: 65535 }).set('t.i16', { type: 'INT16', value: -32768 });
    w.set('t.u32', gv.u32(4294967295)).set('t.i32', gv.i32(-2147483648));
    w.set('t.f32', gv.f32(1.5)).set('t.f64', { type: 'FLOAT64', value: Math.PI });
    w.set('t.bool', gv.bool(true)).set('t.str', gv.str('héllo 世界 🎨'));
    w.set('t.u64', { type: 'UINT64', value: 2n ** 63n + 5n }).set('t.i64', { type: 'INT64', value: -(2n ** 62n) });
    w.set('t.arr.str', gv.arr('STRING', ['a', '', 'Ġb c']));
    w.set('t.arr.i32', gv.arr('INT32', [1, -2, 3])).set('t.arr.f32', gv.arr('FLOAT32', [0.25, -1]));
    w.set('t.arr.bool', gv.arr('BOOL', [true, false])).set('t.arr.empty', gv.arr('UINT32', []));
    const a = new Float32Array([1, 2, 3]);
    const b = new Float32Array(64).map((_, i) => (i - 32) / 8);
    w.addTensor({ name: 'a', ne: [3], type: 'F32', data: encodeGgml(a, 'F32') });
    w.addTensor({ name: 'b16', ne: [5], type: 'F16', data: encodeGgml(new Float32Array([1, -1, 0.5, 2, 4]), 'F16') });
    w.addTensor({ name: 'q8', ne: [32, 2], type: 'Q8_0', data: () => encodeGgml(b, 'Q8_0') });
    w.addTensor({ name: 'q4', ne: [64], type: 'Q4_0', data: async () => encodeGgml(b, 'Q4_0') });
    const path = join(tmp, 'rt.gguf');
    await w.write(path);
    const f = await readGguf(path);
    expect(f.version).toBe(3);
    expect(Buffer.from(f.bytes.subarray(0, 8)).toString('hex')).toBe('4747554603000000');
    expect(ggufValue(f, 't.u8')).toBe(255);
    expect(ggufValue(f, 't.i8')).toBe(-128);
    expect(ggufValue(f, 't.u16')).toBe(65535);
    expect(ggufValue(f, 't.i16')).toBe(-32768);
    expect(ggufValue(f, 't.u32')).toBe(4294967295);
    expect(ggufValue(f, 't.i32')).toBe(-2147483648);
    expect(ggufValue(f, 't.f32')).toBe(1.5);
    expect(ggufValue(f, 't.f64')).toBe(Math.PI);
    expect(ggufValue(f, 't.bool')).toBe(true);
    expect(ggufValue(f, 't.str')).toBe('héllo 世界 🎨');
    expect(ggufValue(f, 't.u64')).toBe(2n ** 63n + 5n);
    expect(ggufValue(f, 't.i64')).toBe(-(2n ** 62n));
    expect(ggufValue(f, 't.arr.str')).toEqual(['a', '', 'Ġb c']);
    expect(ggufValue(f, 't.arr.i32')).toEqual([1, -2, 3]);
    expect(ggufValue(f, 't.arr.f32')).toEqual([0.25, -1]);
    expect(ggufValue(f, 't.arr.bool')).toEqual([true, false]);
    expect(ggufValue(f, 't.arr.empty')).toEqual([]);
    expect(f.kv.get('t.u32')!.type).toBe(4);
    expect([...f.kv.keys()][0]).toBe('general.architecture');
    // 12 bytes → next at 32; 10 bytes → 64; Q8_0 2 blocks×34=68 → 160; Q4_0 36 bytes.
    expect(f.tensors.map((t) => [t.name, t.offset, t.size])).toEqual([['a', 0, 12], ['b16', 32, 10], ['q8', 64, 68], ['q4', 160, 36]]);
    expect(f.dataStart % 32).toBe(0);
    expect(f.bytes.byteLength).toBe(f.dataStart + 160 + 64);
    expect(ggufTensorF32(f, 'a')).toEqual(a);
    expect(ggufTensorF32(f, 'b16')).toEqual(new Float32Array([1, -1, 0.5, 2, 4]));
    // b is exactly representable in Q8_0 (d = 4/127) only approximately; within half a step.
    const q8 = ggufTensorF32(f, 'q8');
    for (let i = 0; i < 64; i++) expect(Math.abs(q8[i] - b[i])).toBeLessThanOrEqual(4 / 127 / 2 + 1e-3);
  });

  it('honours a custom general.alignment', async () => {
    const w = new GgufWriter().set('general.alignment', gv.u32(64));
    w.addTensor({ name: 'x', ne: [1], type: 'F32', data: new Uint8Array(4) });
    w.addTensor({ name: 'y', ne: [1], type: 'F32', data: new Uint8Array(4) });
    const path = join(tmp, 'al.gguf');
    await w.write(path);
    const f = await readGguf(path);
    expect(f.alignment).toBe(64);
    expect(f.tensors[1].offset).toBe(64);
    expect(f.dataStart % 64).toBe(0);
  });

  it('refuses what llama.cpp would refuse', () => {
    const w = new GgufWriter();
    w.set('k', gv.u32(1));
    expect(() => w.set('k', gv.u32(2))).toThrow(/set twice/);
    expect(() => w.set('general.alignment', gv.u32(48))).toThrow(/power of two/);
    expect(() => w.addTensor({ name: 'n'.repeat(64), ne: [1], type: 'F32', data: new Uint8Array(4) })).toThrow(/64 bytes/);
    expect(() => w.addTensor({ name: 'q', ne: [48], type: 'Q4_0', data: new Uint8Array(27) })).toThrow(/block size/);
    expect(() => w.addTensor({ name: 'd', ne: [1, 1, 1, 1, 1], type: 'F32', data: new Uint8Array(4) })).toThrow(/5 dims/);
    expect(() => new GgufWriter().set('v', gv.u32(-1)).buildHeader()).toThrow(/does not fit UINT32/);
  });
});

describe('ggml encodings are bit-exact with ggml-quants.c', () => {
  it('Q4_0: d = max/-8, codes trunc(x/d + 8.5) capped at 15, low nibble j, high nibble j+16', () => {
    const x = new Float32Array(32);
    for (let j = 0; j < 16; j++) {
      x[j] = j - 8;
      x[16 + j] = 0.5 * (j - 8);
    }
    const q = quantizeQ4_0(x);
    expect(q.length).toBe(18);
    expect(q[0] | (q[1] << 8)).toBe(0x3c00); // d = -8 / -8 = 1.0 in f16
    for (let j = 0; j < 16; j++) expect(q[2 + j]).toBe(j | (Math.trunc(0.5 * j + 4.5) << 4));
    const back = decodeGgml(q, 'Q4_0', 32);
    for (let j = 0; j < 16; j++) expect(back[j]).toBe(x[j]);
    // A positive maximum gives a negative d and the top code 15 is never exceeded.
    const y = new Float32Array(32).fill(0);
    y[3] = 8;
    const qy = quantizeQ4_0(y);
    expect(f16BitsToF32(qy[0] | (qy[1] << 8))).toBe(-1);
    expect(qy[2 + 3] & 0xf).toBe(0);
    expect(qy[2] & 0xf).toBe(8);
  });

  it('Q8_0: d = amax/127 and roundf (halves away from zero)', () => {
    const x = new Float32Array(32);
    x[0] = 127;
    x[1] = -63.5;
    x[2] = 63.5;
    x[3] = 0.49;
    const q = quantizeQ8_0(x);
    expect(q[0] | (q[1] << 8)).toBe(0x3c00);
    expect(new Int8Array(q.buffer, 2, 4)).toEqual(new Int8Array([127, -64, 64, 0]));
  });

  it('f16 and bf16 rounding', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001);
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(f32ToBf16Bits(NaN) & 0x40).toBe(0x40);
    for (let h = 0; h < 0x7c00; h += 7) expect(f32ToF16Bits(f16BitsToF32(h))).toBe(h);
  });
});

/** A minimal GGUF header builder for hostile inputs. */
function hostile(parts: (['u32', number] | ['u64', bigint] | ['str', string] | ['raw', number[]])[]): Uint8Array {
  const out: number[] = [];
  const push = (n: number, v: bigint) => {
    for (let i = 0; i < n; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  };
  for (const [k, v] of parts) {
    if (k === 'u32') push(4, BigInt(v));
    else if (k === 'u64') push(8, v);
    else if (k === 'str') {
      const b = Buffer.from(v);
      push(8, BigInt(b.length));
      out.push(...b);
    } else out.push(...v);
  }
  while (out.length < 64) out.push(0);
  return new Uint8Array(out);
}

describe('hostile GGUF files are rejected without huge allocations', () => {
  const M = 0x46554747;
  const cases: [string, Uint8Array, RegExp][] = [
    ['bad magic', hostile([['u32', 0x12345678], ['u32', 3], ['u64', 0n], ['u64', 0n]]), /bad magic/],
    ['version 1', hostile([['u32', M], ['u32', 1], ['u64', 0n], ['u64', 0n]]), /version 1/],
    ['n_tensors 2^63', hostile([['u32', M], ['u32', 3], ['u64', 2n ** 63n], ['u64', 0n]]), /tensor count/],
    ['n_kv 2^63', hostile([['u32', M], ['u32', 3], ['u64', 0n], ['u64', 2n ** 63n]]), /key\/value count/],
    ['string length 2^40', hostile([['u32', M], ['u32', 3], ['u64', 0n], ['u64', 1n], ['u64', 2n ** 40n]]), /file ends/],
    ['array of 2^60 u32', hostile([['u32', M], ['u32', 3], ['u64', 0n], ['u64', 1n], ['str', 'k'], ['u32', 9], ['u32', 4], ['u64', 2n ** 60n]]), /cannot fit/],
    ['nested array', hostile([['u32', M], ['u32', 3], ['u64', 0n], ['u64', 1n], ['str', 'k'], ['u32', 9], ['u32', 9], ['u64', 1n]]), /nested/],
    ['unknown value type', hostile([['u32', M], ['u32', 3], ['u64', 0n], ['u64', 1n], ['str', 'k'], ['u32', 99]]), /unknown value type/],
    ['alignment 0', hostile([['u32', M], ['u32', 3], ['u64', 0n], ['u64', 1n], ['str', 'general.alignment'], ['u32', 4], ['u32', 0]]), /alignment/],
    ['alignment 2^31', hostile([['u32', M], ['u32', 3], ['u64', 0n], ['u64', 1n], ['str', 'general.alignment'], ['u32', 4], ['u32', 2 ** 31]]), /alignment/],
    ['alignment as u64', hostile([['u32', M], ['u32', 3], ['u64', 0n], ['u64', 1n], ['str', 'general.alignment'], ['u32', 10], ['u64', 32n]]), /must be a u32/],
    ['ne product overflows', hostile([['u32', M], ['u32', 3], ['u64', 1n], ['u64', 0n], ['str', 't'], ['u32', 2], ['u64', 2n ** 40n], ['u64', 2n ** 40n], ['u32', 0], ['u64', 0n]]), /larger than the file/],
    ['5 dims', hostile([['u32', M], ['u32', 3], ['u64', 1n], ['u64', 0n], ['str', 't'], ['u32', 5]]), /5 dims/],
    ['unknown ggml type', hostile([['u32', M], ['u32', 3], ['u64', 1n], ['u64', 0n], ['str', 't'], ['u32', 1], ['u64', 4n], ['u32', 77], ['u64', 0n]]), /ggml type 77/],
    ['wrong offset', hostile([['u32', M], ['u32', 3], ['u64', 1n], ['u64', 0n], ['str', 't'], ['u32', 1], ['u64', 1n], ['u32', 0], ['u64', 32n]]), /offset 32, expected 0/],
    ['tensor past the end', hostile([['u32', M], ['u32', 3], ['u64', 1n], ['u64', 0n], ['str', 't'], ['u32', 1], ['u64', 64n], ['u32', 0], ['u64', 0n]]), /(past the end|larger than the file)/],
    ['truncated', new Uint8Array([0x47, 0x47, 0x55, 0x46, 3, 0, 0]), /too small/],
  ];
  for (const [label, bytes, re] of cases) {
    it(label, () => {
      expect(() => parseGguf(bytes, 'hostile.gguf')).toThrow(re);
      try {
        parseGguf(bytes, 'hostile.gguf');
      } catch (e) {
        expect((e as { code: string }).code).toBe('gguf_invalid');
        expect((e as Error).message).toMatch(/^hostile\.gguf: /);
      }
    });
  }
});
