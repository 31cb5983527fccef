// Hostile safetensors files: one per validation rule of formats.md §1 (plus truncation, trailing bytes, huge header
// length, disguised pickles). Each must give a typed error naming the file, and never crash the process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { inspectSafetensors } from '../../main/engine/engine';
import { safetensorsBytes } from './tiny';

const DIR = join(process.cwd(), 'test', '.tmp', `hostile-${process.pid}`);
mkdirSync(DIR, { recursive: true });

function withHeader(header: unknown, data: Buffer, raw?: string): Buffer {
  const json = Buffer.from(raw ?? JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

async function codeOf(name: string, bytes: Buffer): Promise<{ code: string; message: string }> {
  const path = join(DIR, name);
  writeFileSync(path, bytes);
  try {
    await inspectSafetensors(path);
  } catch (err) {
    const e = err as { code: string; message: string; hint?: string };
    expect(e.message).toContain(path);
    expect(e.hint).toBeTruthy();
    return e;
  }
  throw new Error(`${name} was accepted`);
}

const good = safetensorsBytes({ a: { shape: [2, 3], data: new Float32Array(6).fill(1) }, b: { shape: [4], data: new Float32Array(4) } });
const d8 = Buffer.alloc(8);

describe('safetensors validation', () => {
  test('a valid file is listed with its tensors and metadata', async () => {
    const path = join(DIR, 'good.safetensors');
    writeFileSync(path, good);
    const r = await inspectSafetensors(path);
    expect(r.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([['a', 'F32', [2, 3]], ['b', 'F32', [4]]]);
    expect(r.metadata).toEqual({ format: 'pt' });
  });

  test.each([
    ['HeaderTooSmall', 'safetensors_header_too_small', () => Buffer.from([1, 2, 3])],
    ['HeaderTooLarge (2^62)', 'safetensors_header_too_large', () => { const b = Buffer.alloc(16); b.writeBigUInt64LE(1n << 62n); return b; }],
    ['HeaderTooLarge (100,000,001)', 'safetensors_header_too_large', () => { const b = Buffer.alloc(16); b.writeBigUInt64LE(100_000_001n); return b; }],
    ['InvalidHeaderLength', 'safetensors_invalid_header_length', () => { const b = Buffer.alloc(16); b.writeBigUInt64LE(1000n); return b; }],
    ['InvalidHeader (UTF-8)', 'safetensors_invalid_header', () => withHeader(null, Buffer.alloc(0), '{"\xff\xfe":1}').fill(0xff, 10, 11)],
    ['InvalidHeaderDeserialization (JSON)', 'safetensors_invalid_header_deserialization', () => withHeader(null, Buffer.alloc(0), '{"a": [1, 2')],
    ['metadata not a string map', 'safetensors_invalid_header_deserialization', () => withHeader({ __metadata__: { format: 1 } }, Buffer.alloc(0))],
    ['unknown dtype', 'safetensors_invalid_header_deserialization', () => withHeader({ a: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, d8)],
    ['duplicate tensor name', 'safetensors_duplicate_tensor', () => withHeader(null, Buffer.alloc(16), '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}')],
    ['duplicate tensor name spelled with an escape', 'safetensors_duplicate_tensor', () => withHeader(null, Buffer.alloc(16), '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"\\u0061":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}')],
    ['InvalidOffset (gap)', 'safetensors_invalid_offset', () => withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, Buffer.alloc(16))],
    ['InvalidOffset (overlap)', 'safetensors_invalid_offset', () => withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, Buffer.alloc(12))],
    ['InvalidOffset (end < begin)', 'safetensors_invalid_offset', () => withHeader({ a: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, b: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, c: { dtype: 'U8', shape: [1], data_offsets: [8, 4] } }, d8)],
    ['ValidationOverflow', 'safetensors_validation_overflow', () => withHeader({ a: { dtype: 'F32', shape: [4294967296, 4294967296, 16], data_offsets: [0, 8] } }, d8)],
    ['MisalignedSlice (F4 x 3)', 'safetensors_misaligned_slice', () => withHeader({ a: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }, Buffer.alloc(2))],
    ['TensorInvalidInfo', 'safetensors_tensor_invalid_info', () => withHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, d8)],
    ['MetadataIncompleteBuffer (truncated)', 'safetensors_metadata_incomplete_buffer', () => good.subarray(0, good.length - 4)],
    ['MetadataIncompleteBuffer (trailing bytes)', 'safetensors_metadata_incomplete_buffer', () => Buffer.concat([good, Buffer.from('PK\x03\x04polyglot')])],
    ['pickle renamed .safetensors', 'pickle_refused', () => Buffer.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x2e])],
    ['zip (torch.save) renamed .safetensors', 'pickle_refused', () => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(60)])],
  ])('%s → %s', async (_rule, code, make) => {
    const e = await codeOf(`${code}-${Math.random().toString(36).slice(2)}.safetensors`, make());
    expect(e.code).toBe(code);
  });

  test('.bin / .pt / .pth / .ckpt are refused by name, never read', async () => {
    for (const ext of ['bin', 'pt', 'pth', 'ckpt']) {
      const e = await codeOf(`model.${ext}`, good);
      expect(e.code).toBe('pickle_refused');
    }
  });

  test('a missing file is a typed error', async () => {
    await expect(inspectSafetensors(join(DIR, 'nope.safetensors'))).rejects.toMatchObject({ code: 'file_unreadable' });
  });

  test('random garbage never crashes the process', async () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(good);
      for (let k = 0; k < 1 + (i % 6); k++) b[next() % b.length] = next() % 256;
      const path = join(DIR, `fuzz-${i}.safetensors`);
      writeFileSync(path, b);
      await inspectSafetensors(path).catch((e: { code: string }) => expect(e.code).toMatch(/^(safetensors_|pickle_refused)/));
    }
  });
});
