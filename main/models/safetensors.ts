// Validated safetensors header reader (formats.md §1 rules) and tensor access for single-file and sharded checkpoints.
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import { findDuplicateKey } from './json-duplicates';
import { DTYPE_BITS, decodeFloats, isStDtype, type StDtype } from './dtype';

export interface StTensorInfo {
  name: string;
  dtype: StDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
  file: string;
}

export interface StHeader {
  path: string;
  fileSize: number;
  tensors: Map<string, StTensorInfo>;
  metadata: Record<string, string> | null;
}

const MAX_HEADER = 100_000_000;

function fail(path: string, rule: string, detail: string): never {
  throw new LatheError(
    'safetensors_invalid',
    `${path}: ${rule}: ${detail}`,
    'The file is damaged or not a safetensors file; re-download or re-export it.',
  );
}

/** Reads and validates the header of one .safetensors file without reading tensor data. */
export async function readSafetensorsHeader(path: string): Promise<StHeader> {
  const fh = await open(path, 'r').catch((err: Error) => {
    throw new LatheError('file_missing', `${path}: ${err.message}`, 'Check the model folder path.');
  });
  try {
    const fileSize = (await fh.stat()).size;
    if (fileSize < 8) fail(path, 'HeaderTooSmall', `file is ${fileSize} bytes, needs at least 8`);
    const lenBuf = Buffer.alloc(8);
    await fh.read(lenBuf, 0, 8, 0);
    const n = lenBuf.readBigUInt64LE(0);
    if (n > BigInt(MAX_HEADER)) fail(path, 'HeaderTooLarge', `header length ${n} exceeds ${MAX_HEADER}`);
    const headerLen = Number(n);
    if (8 + headerLen > fileSize) fail(path, 'InvalidHeaderLength', `header length ${headerLen} runs past the end of the ${fileSize}-byte file`);
    const hb = Buffer.alloc(headerLen);
    await fh.read(hb, 0, headerLen, 8);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(hb);
    } catch {
      fail(path, 'InvalidHeader', 'header is not valid UTF-8');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      fail(path, 'InvalidHeaderDeserialization', (err as Error).message);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) fail(path, 'InvalidHeaderDeserialization', 'header is not a JSON object');
    const dup = findDuplicateKey(text);
    if (dup) fail(path, 'InvalidHeaderDeserialization', dup.path ? `duplicate key "${dup.key}" in "${dup.path}"` : `duplicate tensor name "${dup.key}"`);
    const tensors: StTensorInfo[] = [];
    let metadata: Record<string, string> | null = null;
    for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (v == null) continue;
        if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
          fail(path, 'InvalidHeaderDeserialization', '__metadata__ must map strings to strings');
        }
        metadata = v as Record<string, string>;
        continue;
      }
      const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (!t || typeof t !== 'object') fail(path, 'InvalidHeaderDeserialization', `tensor ${name} is not an object`);
      if (!isStDtype(t.dtype)) fail(path, 'InvalidHeaderDeserialization', `tensor ${name}: unknown dtype ${String(t.dtype)}`);
      const shape = t.shape;
      const offs = t.data_offsets;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        fail(path, 'InvalidHeaderDeserialization', `tensor ${name}: shape must be a list of non-negative integers`);
      }
      if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        fail(path, 'InvalidHeaderDeserialization', `tensor ${name}: data_offsets must be [begin, end]`);
      }
      tensors.push({ name, dtype: t.dtype, shape: shape as number[], begin: offs[0], end: offs[1], file: path });
    }
    tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
    let prevEnd = 0;
    for (const t of tensors) {
      if (t.begin !== prevEnd || t.end < t.begin) {
        fail(path, 'InvalidOffset', `tensor ${t.name} spans [${t.begin}, ${t.end}) but must start at ${prevEnd}`);
      }
      let elems = 1n;
      for (const d of t.shape) elems *= BigInt(d);
      const bits = elems * BigInt(DTYPE_BITS[t.dtype]);
      if (bits > BigInt(Number.MAX_SAFE_INTEGER)) fail(path, 'ValidationOverflow', `tensor ${t.name}: shape [${t.shape}] overflows`);
      if (bits % 8n !== 0n) fail(path, 'MisalignedSlice', `tensor ${t.name}: ${bits} bits is not whole bytes`);
      if (bits / 8n !== BigInt(t.end - t.begin)) {
        fail(path, 'TensorInvalidInfo', `tensor ${t.name}: shape [${t.shape}] of ${t.dtype} needs ${bits / 8n} bytes, offsets give ${t.end - t.begin}`);
      }
      prevEnd = t.end;
    }
    if (prevEnd + 8 + headerLen !== fileSize) {
      fail(path, 'MetadataIncompleteBuffer', `tensor data ends at ${8 + headerLen + prevEnd} but the file has ${fileSize} bytes`);
    }
    const map = new Map<string, StTensorInfo>();
    for (const t of tensors) map.set(t.name, { ...t, begin: t.begin + 8 + headerLen, end: t.end + 8 + headerLen });
    return { path, fileSize, tensors: map, metadata };
  } finally {
    await fh.close();
  }
}

/** All tensors of a HF checkpoint folder, resolved through model.safetensors.index.json when sharded. */
export async function readCheckpointIndex(dir: string): Promise<Map<string, StTensorInfo>> {
  const indexPath = join(dir, 'model.safetensors.index.json');
  let files: string[];
  try {
    const idx = JSON.parse(await readFile(indexPath, 'utf8')) as { weight_map?: Record<string, string> };
    if (!idx.weight_map || typeof idx.weight_map !== 'object') {
      throw new LatheError('checkpoint_invalid', `${indexPath}: field weight_map is missing`, 'Re-download the index file.');
    }
    files = [...new Set(Object.values(idx.weight_map))];
    if (files.some((f) => typeof f !== 'string' || f.includes('/') || f.includes('\\') || f.includes('..'))) {
      throw new LatheError('checkpoint_invalid', `${indexPath}: weight_map names a file outside the folder`, 'Only plain file names are allowed.');
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    files = ['model.safetensors'];
  }
  const all = new Map<string, StTensorInfo>();
  for (const f of files) {
    const h = await readSafetensorsHeader(join(dir, f));
    for (const [k, v] of h.tensors) {
      if (all.has(k)) throw new LatheError('checkpoint_invalid', `${dir}: tensor ${k} appears in two shards`, 'Re-download the model.');
      all.set(k, v);
    }
  }
  return all;
}

export async function readTensorBytes(t: StTensorInfo): Promise<Uint8Array> {
  const fh = await open(t.file, 'r');
  try {
    const buf = new Uint8Array(t.end - t.begin);
    await fh.read(buf, 0, buf.byteLength, t.begin);
    return buf;
  } finally {
    await fh.close();
  }
}

/** Reads a float tensor (F32/F16/BF16) as f32. */
export async function readTensorF32(t: StTensorInfo): Promise<Float32Array> {
  return decodeFloats(await readTensorBytes(t), t.dtype);
}
