// A compact set of 64-bit content hashes (12 bytes a slot, at most half full) for exact-duplicate detection that remembers the first line of each.
import { createHash } from 'node:crypto';

export class DedupSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private firstLine: Uint32Array; // line + 1; 0 = empty slot
  private used = 0;

  constructor(capacity = 1024) {
    const n = 1 << Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.firstLine = new Uint32Array(n);
  }

  get size(): number {
    return this.used;
  }

  /** Adds the key; returns the line it was first seen on if it is a duplicate, otherwise -1. */
  add(key: string, line: number): number {
    const d = createHash('sha1').update(key).digest();
    return this.addHash(d.readUInt32LE(0), d.readUInt32LE(4), line);
  }

  private addHash(h: number, l: number, line: number): number {
    if ((this.used + 1) * 2 > this.hi.length) this.grow();
    const mask = this.hi.length - 1;
    let i = (l ^ Math.imul(h, 0x9e3779b1)) & mask;
    for (;;) {
      if (this.firstLine[i] === 0) {
        this.hi[i] = h;
        this.lo[i] = l;
        this.firstLine[i] = line + 1;
        this.used++;
        return -1;
      }
      if (this.hi[i] === h && this.lo[i] === l) return this.firstLine[i] - 1;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const { hi, lo, firstLine } = this;
    const n = hi.length * 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.firstLine = new Uint32Array(n);
    this.used = 0;
    for (let i = 0; i < hi.length; i++) if (firstLine[i] !== 0) this.addHash(hi[i], lo[i], firstLine[i] - 1);
  }
}
