// The packing report of data inspect: what next-fit packing into rows of maxLen tokens does to the kept sequences. The
// rule is the trainer's (main/host/trainer/batches.ts packs the same way, in its shuffled order), without building rows.

export interface PackingStats {
  sequences: number;
  /** Rows after next-fit packing (the trainer's rule, applied in file order). */
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
  // The trainer's next-fit rule: a sequence that does not fit closes the row (an over-long one sits alone).
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
