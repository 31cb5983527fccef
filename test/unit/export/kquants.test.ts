// Q4_K, Q6_K and Q5_0 encoders byte-compared with llama.cpp's own quantizer (ggml_quantize_chunk in node-llama-cpp's
// prebuilt libggml-base, called through Python's ctypes); dequantization round-trips within each type's step.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeGgml, encodeGgml, GgmlType, type GgmlTypeName } from '../../../main/export/ggml-quants';
import { tempDir } from '../../helpers/temp-dir';

const tmp = tempDir('lathe-kq-');
const LIB = join(process.cwd(), 'node_modules', '@node-llama-cpp', `${process.platform}-${process.arch}`, 'bins', `${process.platform}-${process.arch}`, 'libggml-base.so');
const python = spawnSync('python3', ['-c', 'import ctypes'], { encoding: 'utf8' }).status === 0;

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/** Rows mixing normal-ish weights, a heavy outlier, an all-zero block, all-positive and tiny blocks. */
function testData(rows: number, cols: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) {
    const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    x[i] = g * 0.05;
  }
  x[7] = 1.5;
  x.fill(0, 256, 512);
  for (let i = 512; i < 768 && i < x.length; i++) x[i] = Math.abs(x[i]) + 0.01;
  for (let i = 768; i < 1024 && i < x.length; i++) x[i] *= 1e-6;
  return x;
}

function llamaCpp(type: GgmlTypeName, x: Float32Array, nPerRow: number): Uint8Array {
  const src = join(tmp, `${type}.f32`);
  const dst = join(tmp, `${type}.bin`);
  writeFileSync(src, new Uint8Array(x.buffer));
  const r = spawnSync('python3', [join('test', 'fixtures', 'scripts', 'ggml_quantize.py'), LIB, String(GgmlType[type]), String(nPerRow), src, dst], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return new Uint8Array(readFileSync(dst));
}

describe.skipIf(!python || !existsSync(LIB))('byte-identical to llama.cpp (ggml_quantize_chunk)', () => {
  it.each(['Q4_K', 'Q6_K', 'Q5_0', 'Q4_0', 'Q8_0'] as const)('%s', (type) => {
    const x = testData(8, 512, 3);
    const ours = encodeGgml(x, type);
    const theirs = llamaCpp(type, x, 512);
    expect(ours.length).toBe(theirs.length);
    const firstDiff = ours.findIndex((b, i) => b !== theirs[i]);
    expect(firstDiff).toBe(-1);
  });
});

describe('round trip', () => {
  it.each([['Q4_K', 0.01], ['Q6_K', 0.003], ['Q5_0', 0.01]] as const)('%s dequantizes within its step', (type, tol) => {
    const x = testData(2, 512, 5);
    x[7] = 0.1; // keep one scale for the whole tolerance
    const y = decodeGgml(encodeGgml(x, type), type, x.length);
    let max = 0;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
    expect(max).toBeLessThan(tol);
    expect(max).toBeGreaterThan(0);
  });
});
