// Packs short sequences into full-length rows; attention and loss stay within each example (document boundaries are kept).
import type { TokenSeq } from './tokenize';

/**
 * A packed row. `docStarts` are the offsets where each example begins (cu_seqlens without the final length);
 * `positions` restart at 0 for each example, and mask[docStart] is 0 so no example is trained to predict the
 * first token of the next one. The trainer attends only within [docStarts[k], docStarts[k+1]).
 */
export interface PackedSeq {
  ids: Uint32Array;
  mask: Uint8Array;
  positions: Uint32Array;
  docStarts: number[];
}

/** Next-fit packing in dataset order (deterministic); a sequence longer than maxLen gets a row of its own, unchanged. */
export function packSequences(seqs: Iterable<TokenSeq>, maxLen: number): PackedSeq[] {
  const rows: PackedSeq[] = [];
  let cur: TokenSeq[] = [];
  let len = 0;
  const flush = (): void => {
    if (!cur.length) return;
    const ids = new Uint32Array(len);
    const mask = new Uint8Array(len);
    const positions = new Uint32Array(len);
    const docStarts: number[] = [];
    let o = 0;
    for (const s of cur) {
      docStarts.push(o);
      ids.set(s.ids, o);
      mask.set(s.mask, o);
      for (let i = 0; i < s.ids.length; i++) positions[o + i] = i;
      mask[o] = 0;
      o += s.ids.length;
    }
    rows.push({ ids, mask, positions, docStarts });
    cur = [];
    len = 0;
  };
  for (const s of seqs) {
    if (len + s.ids.length > maxLen) flush();
    cur.push(s);
    len += s.ids.length;
  }
  flush();
  return rows;
}

export interface PackingStats {
  sequences: number;
  /** Rows after next-fit packing (the same packing packSequences does). */
  packs: number;
  rowsPerPack: number;
  /** Padding tokens to fill every row to maxLen, one sequence per row vs packed; and the share of it packing saves. */
  paddingUnpacked: number;
  paddingPacked: number;
  paddingSaved: number;
}

/** What packing would do to these sequence lengths at maxLen, without building the rows (for reports). */
export function packingStats(lengths: Iterable<number>, maxLen: number): PackingStats {
  let sequences = 0;
  let packs = 0;
  let paddingUnpacked = 0;
  let paddingPacked = 0;
  let len = 0;
  // Same next-fit rule as packSequences: a sequence that does not fit closes the row (an over-long one sits alone).
  for (const n of lengths) {
    sequences++;
    paddingUnpacked += Math.max(0, maxLen - n);
    if (packs === 0 || len + n > maxLen) {
      if (packs > 0) paddingPacked += Math.max(0, maxLen - len);
      packs++;
      len = 0;
    }
    len += n;
  }
  if (packs > 0) paddingPacked += Math.max(0, maxLen - len);
  return {
    sequences,
    packs,
    rowsPerPack: packs ? Math.round((sequences / packs) * 100) / 100 : 0,
    paddingUnpacked,
    paddingPacked,
    paddingSaved: paddingUnpacked ? Math.round(((paddingUnpacked - paddingPacked) / paddingUnpacked) * 1000) / 1000 : 0,
  };
}
