// safetensors writer: reference layout (sorted tensors, space-padded header, {"format":"pt"}), streaming and atomic.
import { LatheError } from '../api/errors';
import { DTYPE_BITS, type StDtype } from '../models/dtype';
import { writeFileAtomic } from '../fs/atomic-file';

export interface TensorToWrite {
  name: string;
  dtype: StDtype;
  shape: number[];
  /** The bytes, or a function producing them when their turn comes (so a big model never sits in memory whole). */
  data: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
}

export function tensorByteSize(dtype: StDtype, shape: number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new LatheError('tensor_shape_invalid', `bad dimension ${d} in shape [${shape}]`);
    n *= d;
  }
  const bits = n * DTYPE_BITS[dtype];
  if (!Number.isSafeInteger(bits) || bits % 8 !== 0) {
    throw new LatheError('tensor_shape_invalid', `shape [${shape}] of ${dtype} is not a whole number of bytes`);
  }
  return bits / 8;
}

/** The reference (Rust) writer orders tensors by dtype alignment, largest first, then by name. */
export function referenceOrder(tensors: { name: string; dtype: StDtype }[]): number[] {
  const idx = tensors.map((_, i) => i);
  idx.sort((a, b) => {
    const da = DTYPE_BITS[tensors[a].dtype];
    const db = DTYPE_BITS[tensors[b].dtype];
    if (da !== db) return db - da;
    const na = tensors[a].name;
    const nb = tensors[b].name;
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
  return idx;
}

/** Builds the header bytes (u64 length + JSON padded with spaces to a multiple of 8) for tensors in the given order. */
export function buildHeader(
  ordered: { name: string; dtype: StDtype; shape: number[] }[],
  metadata: Record<string, string>,
): { header: Uint8Array; dataBytes: number } {
  const obj: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const seen = new Set<string>();
  for (const t of ordered) {
    if (seen.has(t.name)) throw new LatheError('tensor_duplicate', `tensor ${t.name} is listed twice`);
    seen.add(t.name);
    const size = tensorByteSize(t.dtype, t.shape);
    obj[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = Buffer.from(JSON.stringify(obj), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const header = new Uint8Array(8 + json.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(json.length), true);
  header.set(json, 8);
  return { header, dataBytes: offset };
}

/** Writes one .safetensors file atomically. Returns the file size. */
export async function writeSafetensors(
  path: string,
  tensors: TensorToWrite[],
  metadata: Record<string, string> = { format: 'pt' },
): Promise<number> {
  const order = referenceOrder(tensors).map((i) => tensors[i]);
  const { header } = buildHeader(order, { format: 'pt', ...metadata });
  return writeFileAtomic(path, async (w) => {
    await w.write(header);
    for (const t of order) {
      const bytes = typeof t.data === 'function' ? await t.data() : t.data;
      const want = tensorByteSize(t.dtype, t.shape);
      if (bytes.byteLength !== want) {
        throw new LatheError('tensor_size_mismatch', `${path}: tensor ${t.name} has ${bytes.byteLength} bytes, its shape needs ${want}`);
      }
      await w.write(bytes);
    }
  });
}
