// Turns tokenized examples into micro-batches: deterministic shuffling per epoch from the seed, padding or packing
// (with document boundaries), and a cursor {epoch, index} that is all a checkpoint needs to resume the data stream.
import type { TrainBatch } from './engine-port';
import { mixSeed, permutation } from '../../data/rng';

export interface TokenizedExample {
  /** Token ids of the whole rendered example. */
  ids: ArrayLike<number>;
  /** Loss weight of each token as a target (weights[i] applies to predicting ids[i] from ids[0..i-1]; weights[0] is unused). */
  weights: ArrayLike<number>;
  /** KTO: whether this example is desirable. */
  label?: boolean;
  /** GRPO: the reference answer of this prompt. */
  answer?: string;
}

export interface DataCursor {
  epoch: number;
  /** Index of the next row (sequence) within this epoch's order. */
  index: number;
}

export interface MicroBatch {
  batch: TrainBatch;
  /** (B*T) loss weight per position (0 where nothing is scored). */
  weights: Float32Array;
  /** Positions holding a real token (context + targets), for tokens/s. */
  tokens: number;
  /** Sum of weights. */
  supervised: number;
  /** (B) index of the example each row starts with (with padding, the row's only example). */
  examples: Int32Array;
}

export interface BatchOptions {
  seqLen: number;
  microBatch: number;
  packing: boolean;
  seed: number;
  shuffle: boolean;
  /** Id used for padding positions (never scored). */
  padId: number;
  /**
   * Examples come in groups of this many consecutive ones (2 for preference pairs: chosen, rejected) that are
   * shuffled as a unit and never split across micro-batches (microBatch counts groups then). Needs packing off.
   */
  group?: number;
}

/** A row: slices of examples laid end to end (packing) or one example (padding). */
type Row = { example: number; length: number }[];

export class BatchSource {
  private epochRows: { epoch: number; rows: Row[] } | undefined;
  /** Examples longer than seqLen + 1 tokens are cut (the data step's length policy should have handled them; counted here). */
  truncated = 0;

  constructor(private readonly examples: TokenizedExample[], private readonly opts: BatchOptions) {
    if (examples.length === 0) throw new Error('no examples to train on');
    const g = opts.group ?? 1;
    if (g > 1 && (opts.packing || examples.length % g !== 0)) throw new Error(`BatchSource: groups of ${g} need packing off and a multiple of ${g} examples (got ${examples.length})`);
  }

  private get group(): number {
    return this.opts.group ?? 1;
  }

  /** Rows (sequences) per micro-batch. */
  private get rowsPerMicro(): number {
    return this.opts.microBatch * this.group;
  }

  /** Other examples with the same options, in order (one pass over them, e.g. KTO's mismatched pairs). */
  over(examples: TokenizedExample[], microBatch = this.opts.microBatch): BatchSource {
    return new BatchSource(examples, { ...this.opts, microBatch, shuffle: false, group: 1 });
  }

  /** The same examples and options, in file order (for one pass over every example). */
  unshuffled(): BatchSource {
    return new BatchSource(this.examples, { ...this.opts, shuffle: false });
  }

  /** Rows (sequences) in one epoch. */
  rowsPerEpoch(): number {
    return this.rowsFor(0).length;
  }

  /**
   * How one epoch lays the examples into rows of seqLen positions: rows, and padding positions with and without
   * packing (the run log reports both, so the saving packing brings is visible).
   */
  layout(): { examples: number; rows: number; padding: number; paddingUnpacked: number } {
    const T = this.opts.seqLen;
    const rows = this.rowsFor(0);
    const used = (r: Row) => r.reduce((n, p) => n + Math.min(p.length, T), 0);
    const padding = rows.reduce((n, r) => n + T - used(r), 0);
    const paddingUnpacked = this.examples.reduce((n, x) => n + T - Math.min(x.ids.length, T), 0);
    return { examples: this.examples.length, rows: rows.length, padding, paddingUnpacked };
  }

  /** Micro-batches in one epoch (the last one may be short). */
  microBatchesPerEpoch(): number {
    return Math.ceil(this.rowsPerEpoch() / this.rowsPerMicro);
  }

  /** Builds the micro-batch at `cursor` and returns the cursor after it. An epoch's last micro-batch may hold fewer rows. */
  next(cursor: DataCursor): { micro: MicroBatch; cursor: DataCursor } {
    let c = cursor;
    let rows = this.rowsFor(c.epoch);
    if (c.index >= rows.length) {
      c = { epoch: c.epoch + 1, index: 0 };
      rows = this.rowsFor(c.epoch);
    }
    const take = rows.slice(c.index, c.index + this.rowsPerMicro);
    return { micro: this.build(take), cursor: { epoch: c.epoch, index: c.index + take.length } };
  }

  private rowsFor(epoch: number): Row[] {
    if (this.epochRows?.epoch === epoch) return this.epochRows.rows;
    const g = this.group;
    const n = this.examples.length / g;
    const groups = this.opts.shuffle ? permutation(n, mixSeed(this.opts.seed, epoch)) : Uint32Array.from({ length: n }, (_, i) => i);
    const order = g === 1 ? groups : Uint32Array.from({ length: n * g }, (_, i) => groups[Math.floor(i / g)] * g + (i % g));
    const T = this.opts.seqLen;
    const rows: Row[] = [];
    let current: Row = [];
    let used = 0;
    for (const e of order) {
      const length = Math.min(this.examples[e].ids.length, this.opts.packing ? T : T + 1);
      if (!this.opts.packing) {
        rows.push([{ example: e, length }]);
        continue;
      }
      if (used + length > T && current.length) {
        rows.push(current);
        current = [];
        used = 0;
      }
      current.push({ example: e, length });
      used += length;
    }
    if (current.length) rows.push(current);
    if (epoch === 0 || !this.epochRows) this.truncated = this.examples.filter((x) => x.ids.length > (this.opts.packing ? T : T + 1)).length;
    this.epochRows = { epoch, rows };
    return rows;
  }

  private build(rows: Row[]): MicroBatch {
    const T = this.opts.seqLen;
    const B = rows.length;
    const tokens = new Int32Array(B * T).fill(this.opts.padId);
    const targets = new Int32Array(B * T).fill(-1);
    const weights = new Float32Array(B * T);
    const segments = this.opts.packing ? new Int32Array(B * T).fill(-1) : undefined;
    const positions = this.opts.packing ? new Int32Array(B * T) : undefined;
    const examples = Int32Array.from(rows, (row) => row[0].example);
    let real = 0;
    let supervised = 0;
    rows.forEach((row, b) => {
      let off = b * T;
      row.forEach((piece, s) => {
        const ex = this.examples[piece.example];
        // Padding mode: a row of T positions predicts up to T targets from T+1 tokens.
        const inputs = this.opts.packing ? piece.length : Math.min(piece.length, T);
        for (let i = 0; i < inputs; i++) {
          tokens[off + i] = ex.ids[i];
          if (segments) segments[off + i] = s;
          if (positions) positions[off + i] = i;
          if (i + 1 < piece.length) {
            targets[off + i] = ex.ids[i + 1];
            const w = ex.weights[i + 1];
            weights[off + i] = w;
            supervised += w;
          }
        }
        real += inputs;
        off += inputs;
      });
    });
    return { batch: { batch: B, seqLen: T, tokens, targets, ...(segments ? { segments, positions } : {}) }, weights, tokens: real, supervised, examples };
  }
}
