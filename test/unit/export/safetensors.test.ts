// safetensors writer layout (reference order, padding, metadata, atomicity) and the validating reader on hostile files.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../main/export/safetensors-writer';
import { encodeFloats } from '../../../main/models/dtype';
import { readSafetensorsHeader, readTensorF32 } from '../../../main/models/safetensors';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-st-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('writer', () => {
  it('pads the header with spaces to a multiple of 8, writes {"format":"pt"}, orders by dtype size then name', async () => {
    const path = join(tmp, 'a.safetensors');
    await writeSafetensors(path, [
      { name: 'z.f16', dtype: 'F16', shape: [3], data: encodeFloats(new Float32Array([1, 2, 3]), 'F16') },
      { name: 'b.f32', dtype: 'F32', shape: [2, 1], data: () => encodeFloats(new Float32Array([4, 5]), 'F32') },
      { name: 'a.f32', dtype: 'F32', shape: [], data: async () => encodeFloats(new Float32Array([6]), 'F32') },
      { name: 'u8', dtype: 'U8', shape: [0], data: new Uint8Array(0) },
    ]);
    const bytes = await readFile(path);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    expect(text[0]).toBe('{');
    expect(text).toMatch(/} *$/);
    const json = JSON.parse(text);
    expect(json.__metadata__).toEqual({ format: 'pt' });
    expect(json['a.f32'].data_offsets).toEqual([0, 4]);
    expect(json['b.f32'].data_offsets).toEqual([4, 12]);
    expect(json['z.f16'].data_offsets).toEqual([12, 18]);
    expect(json['u8'].data_offsets).toEqual([18, 18]);
    expect(bytes.length).toBe(8 + n + 18);
    const h = await readSafetensorsHeader(path);
    expect(Array.from(await readTensorF32(h.tensors.get('z.f16')!))).toEqual([1, 2, 3]);
    expect(Array.from(await readTensorF32(h.tensors.get('b.f32')!))).toEqual([4, 5]);
    expect(h.tensors.get('a.f32')!.shape).toEqual([]);
  });

  it('leaves no file (and no temp file) when a tensor has the wrong size', async () => {
    const path = join(tmp, 'bad.safetensors');
    await expect(writeSafetensors(path, [{ name: 'x', dtype: 'F32', shape: [4], data: new Uint8Array(12) }])).rejects.toThrow(/12 bytes, its shape needs 16/);
    expect((await readdir(tmp)).filter((f) => f.includes('bad'))).toEqual([]);
  });

  it('replaces an existing file atomically', async () => {
    const path = join(tmp, 'r.safetensors');
    await writeFile(path, 'old');
    await writeSafetensors(path, [{ name: 'x', dtype: 'F32', shape: [1], data: new Uint8Array(4) }]);
    expect((await readSafetensorsHeader(path)).tensors.has('x')).toBe(true);
  });
});

function file(header: unknown, dataBytes: number, opts: { headerLen?: bigint; raw?: Buffer; trailing?: number } = {}): Buffer {
  const h = opts.raw ?? Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(opts.headerLen ?? BigInt(h.length));
  return Buffer.concat([len, h, Buffer.alloc(dataBytes + (opts.trailing ?? 0))]);
}

describe('reader rejects each hostile case with the rule name', () => {
  const t = (o: [number, number], dtype = 'F32', shape = [2]) => ({ dtype, shape, data_offsets: o });
  const cases: [string, Buffer, string][] = [
    ['shorter than 8 bytes', Buffer.alloc(5), 'HeaderTooSmall'],
    ['header length over 100 MB', file({}, 0, { headerLen: 100_000_001n }), 'HeaderTooLarge'],
    ['header length 2^63', file({}, 0, { headerLen: 2n ** 63n }), 'HeaderTooLarge'],
    ['header past the end', file({}, 0, { headerLen: 1000n }), 'InvalidHeaderLength'],
    ['invalid UTF-8', file(null, 0, { raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }), 'InvalidHeader'],
    ['invalid JSON', file(null, 0, { raw: Buffer.from('{"a": ') }), 'InvalidHeaderDeserialization'],
    ['unknown dtype', file({ a: t([0, 8], 'F17') }, 8), 'InvalidHeaderDeserialization'],
    ['metadata not strings', file({ __metadata__: { format: 1 } }, 0), 'InvalidHeaderDeserialization'],
    ['gap between tensors', file({ a: t([0, 8]), b: t([12, 20]) }, 20), 'InvalidOffset'],
    ['overlapping tensors', file({ a: t([0, 8]), b: t([4, 12]) }, 12), 'InvalidOffset'],
    ['first tensor not at 0', file({ a: t([4, 12]) }, 12), 'InvalidOffset'],
    ['size disagrees with shape', file({ a: t([0, 12]) }, 12), 'TensorInvalidInfo'],
    ['shape overflows', file({ a: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, 8), 'ValidationOverflow'],
    ['sub-byte slice', file({ a: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }, 2), 'MisalignedSlice'],
    ['trailing bytes', file({ a: t([0, 8]) }, 8, { trailing: 3 }), 'MetadataIncompleteBuffer'],
    ['truncated data', file({ a: t([0, 8]) }, 5), 'MetadataIncompleteBuffer'],
    // JSON.parse would keep the second "a" silently: another reader keeping the first would see other weights.
    ['duplicate tensor name', file(null, 16, { raw: Buffer.from('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}') }), 'InvalidHeaderDeserialization: duplicate tensor name "a"'],
    ['duplicate field in a tensor', file(null, 8, { raw: Buffer.from('{"a":{"dtype":"F32","shape":[2],"dtype":"F16","data_offsets":[0,8]}}') }), 'InvalidHeaderDeserialization: duplicate key "dtype" in "a"'],
    ['duplicate key hidden by an escape', file(null, 8, { raw: Buffer.from('{"__metadata__":{"k":"1","\\u006b":"2"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}') }), 'InvalidHeaderDeserialization: duplicate key "k" in "__metadata__"'],
  ];
  for (const [label, bytes, rule] of cases) {
    it(label, async () => {
      const path = join(tmp, `${label.replace(/\W+/g, '_')}.safetensors`);
      await writeFile(path, bytes);
      const err = await readSafetensorsHeader(path).catch((e: unknown) => e as { code: string; message: string });
      expect(err).toMatchObject({ code: 'safetensors_invalid' });
      expect((err as { message: string }).message).toContain(rule.includes(':') ? rule : `${path}: ${rule}`);
    });
  }

  it('accepts keys that only look alike, and quotes and braces inside strings', async () => {
    const path = join(tmp, 'lookalike.safetensors');
    const header = '{"__metadata__":{"note":"a \\"}\\" {x: 1} \\"a\\":"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"A":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
    await writeFile(path, file(null, 16, { raw: Buffer.from(header) }));
    const h = await readSafetensorsHeader(path);
    expect([...h.tensors.keys()].sort()).toEqual(['A', 'a']);
  });
});
