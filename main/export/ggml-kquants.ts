// ggml k-quants and Q5_0 reference encoders (quantize_row_{q4_K,q6_K,q5_0}_ref of ggml-quants.c), bit-exact: every
// float operation is rounded to f32 (Math.fround) in the order the C code evaluates it.
import { f16BitsToF32, f32ToF16Bits } from '../models/dtype';

const fr = Math.fround;
const QK_K = 256;
const GROUP_MAX_EPS = fr(1e-15);

/** ggml's nearest_int: round half to even through the 1.5·2^23 trick (|x| < 2^22). */
function nearestInt(x: number): number {
  return fr(x + 12582912) - 12582912;
}


/** make_qkx2_quants: scale and min for n values on [0, nmax] with a weighted least-squares search. */
function makeQkx2(n: number, nmax: number, x: Float32Array, off: number, w: Float32Array, L: Uint8Array, loff: number, rmin: number, rdelta: number, nstep: number): { scale: number; min: number } {
  let min = x[off];
  let max = x[off];
  let sumW = w[0];
  let sumX = fr(sumW * x[off]);
  for (let i = 1; i < n; i++) {
    const xi = x[off + i];
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    sumW = fr(sumW + w[i]);
    sumX = fr(sumX + fr(w[i] * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    for (let i = 0; i < n; i++) L[loff + i] = 0;
    return { scale: 0, min: -min };
  }
  let iscale = fr(nmax / fr(max - min));
  let scale = fr(1 / iscale);
  let bestMad = 0;
  for (let i = 0; i < n; i++) {
    const l = nearestInt(fr(iscale * fr(x[off + i] - min)));
    L[loff + i] = Math.max(0, Math.min(nmax, l));
    const diff = fr(fr(fr(scale * L[loff + i]) + min) - x[off + i]);
    bestMad = fr(bestMad + fr(w[i] * fr(diff * diff)));
  }
  const aux = new Uint8Array(n);
  for (let is = 0; is <= nstep; is++) {
    // `min` moves to the best candidate's, and later steps search around it (as the C code does).
    iscale = fr(fr(fr(rmin + fr(rdelta * is)) + nmax) / fr(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(fr(iscale * fr(x[off + i] - min)))));
      aux[i] = l;
      const wl = fr(w[i] * l);
      sumL = fr(sumL + wl);
      sumL2 = fr(sumL2 + fr(wl * l));
      sumXL = fr(sumXL + fr(wl * x[off + i]));
    }
    const D = fr(fr(sumW * sumL2) - fr(sumL * sumL));
    if (D > 0) {
      let thisScale = fr(fr(fr(sumW * sumXL) - fr(sumX * sumL)) / D);
      let thisMin = fr(fr(fr(sumL2 * sumX) - fr(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fr(sumXL / sumL2);
      }
      let mad = 0;
      for (let i = 0; i < n; i++) {
        const diff = fr(fr(fr(thisScale * aux[i]) + thisMin) - x[off + i]);
        mad = fr(mad + fr(w[i] * fr(diff * diff)));
      }
      if (mad < bestMad) {
        for (let i = 0; i < n; i++) L[loff + i] = aux[i];
        bestMad = mad;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return { scale, min: -min };
}

function scaleMinK4(j: number, q: Uint8Array, o: number): [number, number] {
  if (j < 4) return [q[o + j] & 63, q[o + j + 4] & 63];
  return [(q[o + j + 4] & 0xf) | ((q[o + j - 4] >> 6) << 4), (q[o + j + 4] >> 4) | ((q[o + j] >> 6) << 4)];
}

/** Q4_K: 256 values per 144-byte block (d, dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles). */
export function quantizeQ4_K(x: Float32Array): Uint8Array {
  const nb = x.length / QK_K;
  const out = new Uint8Array(nb * 144);
  const dv = new DataView(out.buffer);
  const L = new Uint8Array(QK_K);
  const w = new Float32Array(32);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  for (let i = 0; i < nb; i++) {
    const xo = i * QK_K;
    const bo = i * 144;
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(x[xo + 32 * j + l] * x[xo + 32 * j + l]));
      const avX = fr(Math.sqrt(fr(sumX2 / 32)));
      for (let l = 0; l < 32; l++) w[l] = fr(avX + Math.abs(x[xo + 32 * j + l]));
      const r = makeQkx2(32, 15, x, xo + 32 * j, w, L, 32 * j, -1, fr(0.1), 20);
      scales[j] = r.scale;
      mins[j] = r.min;
      if (r.scale > maxScale) maxScale = r.scale;
      if (r.min > maxMin) maxMin = r.min;
    }
    const invScale = maxScale > 0 ? fr(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
    const sc = bo + 4;
    for (let j = 0; j < 8; j++) {
      const ls = Math.min(63, nearestInt(fr(invScale * scales[j])) & 0xff);
      const lm = Math.min(63, nearestInt(fr(invMin * mins[j])) & 0xff);
      if (j < 4) {
        out[sc + j] = ls;
        out[sc + j + 4] = lm;
      } else {
        out[sc + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
        out[sc + j - 4] |= (ls >> 4) << 6;
        out[sc + j] |= (lm >> 4) << 6;
      }
    }
    dv.setUint16(bo, f32ToF16Bits(fr(maxScale / 63)), true);
    dv.setUint16(bo + 2, f32ToF16Bits(fr(maxMin / 63)), true);
    const d0 = f16BitsToF32(dv.getUint16(bo, true));
    const m0 = f16BitsToF32(dv.getUint16(bo + 2, true));
    for (let j = 0; j < 8; j++) {
      const [s, m] = scaleMinK4(j, out, sc);
      const d = fr(d0 * s);
      if (!d) continue;
      const dm = fr(m0 * m);
      for (let ii = 0; ii < 32; ii++) {
        const l = nearestInt(fr(fr(x[xo + 32 * j + ii] + dm) / d));
        L[32 * j + ii] = Math.max(0, Math.min(15, l));
      }
    }
    let q = bo + 16;
    for (let j = 0; j < QK_K; j += 64) {
      for (let l = 0; l < 32; l++) out[q + l] = L[j + l] | (L[j + l + 32] << 4);
      q += 32;
    }
  }
  return out;
}

/** make_qx_quants with rmse_type 1 and no importance weights (w = x²): a symmetric scale for n values. */
function makeQx(n: number, nmax: number, x: Float32Array, off: number, L: Int8Array, loff: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[off + i]);
    if (ax > amax) {
      amax = ax;
      max = x[off + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    for (let i = 0; i < n; i++) L[loff + i] = 0;
    return 0;
  }
  let iscale = fr(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[off + i];
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fr(iscale * xi))));
    L[loff + i] = l + nmax;
    const w = fr(xi * xi);
    sumlx = fr(sumlx + fr(fr(w * xi) * l));
    suml2 = fr(suml2 + fr(fr(w * l) * l));
  }
  let scale = fr(sumlx / suml2);
  let best = fr(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = fr(-fr(nmax + fr(fr(0.1) * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[off + i];
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fr(iscale * xi))));
      const w = fr(xi * xi);
      sumlx = fr(sumlx + fr(fr(w * xi) * l));
      suml2 = fr(suml2 + fr(fr(w * l) * l));
    }
    if (suml2 > 0 && fr(sumlx * sumlx) > fr(best * suml2)) {
      for (let i = 0; i < n; i++) L[loff + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(fr(iscale * x[off + i]))));
      scale = fr(sumlx / suml2);
      best = fr(scale * sumlx);
    }
  }
  return scale;
}

/** Q6_K: 256 values per 210-byte block (ql[128], qh[64], int8 scales[16], f16 d). */
export function quantizeQ6_K(x: Float32Array): Uint8Array {
  const nb = x.length / QK_K;
  const out = new Uint8Array(nb * 210);
  const dv = new DataView(out.buffer);
  const L = new Int8Array(QK_K);
  const scales = new Float32Array(16);
  for (let i = 0; i < nb; i++) {
    const xo = i * QK_K;
    const bo = i * 210;
    let maxScale = 0;
    let maxAbs = 0;
    for (let ib = 0; ib < 16; ib++) {
      const s = makeQx(16, 32, x, xo + 16 * ib, L, 16 * ib);
      scales[ib] = s;
      if (Math.abs(s) > maxAbs) {
        maxAbs = Math.abs(s);
        maxScale = s;
      }
    }
    if (maxAbs < GROUP_MAX_EPS) continue; // the block stays all zero, d = 0
    const iscale = fr(-128 / maxScale);
    dv.setUint16(bo + 208, f32ToF16Bits(fr(1 / iscale)), true);
    for (let ib = 0; ib < 16; ib++) dv.setInt8(bo + 192 + ib, Math.min(127, nearestInt(fr(iscale * scales[ib]))));
    const d0 = f16BitsToF32(dv.getUint16(bo + 208, true));
    for (let j = 0; j < 16; j++) {
      const d = fr(d0 * dv.getInt8(bo + 192 + j));
      if (!d) continue;
      for (let ii = 0; ii < 16; ii++) {
        const l = Math.max(-32, Math.min(31, nearestInt(fr(x[xo + 16 * j + ii] / d))));
        L[16 * j + ii] = l + 32;
      }
    }
    let ql = bo;
    let qh = bo + 128;
    for (let j = 0; j < QK_K; j += 128) {
      for (let l = 0; l < 32; l++) {
        const q1 = L[j + l] & 0xf;
        const q2 = L[j + l + 32] & 0xf;
        const q3 = L[j + l + 64] & 0xf;
        const q4 = L[j + l + 96] & 0xf;
        out[ql + l] = q1 | (q3 << 4);
        out[ql + l + 32] = q2 | (q4 << 4);
        out[qh + l] = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6);
      }
      ql += 64;
      qh += 32;
    }
  }
  return out;
}

/** Q5_0: 32 values per 22-byte block (f16 d, 4 bytes of high bits, 16 bytes of nibbles); Q4_K's fallback for short rows. */
export function quantizeQ5_0(x: Float32Array): Uint8Array {
  const nb = x.length / 32;
  const out = new Uint8Array(nb * 22);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < nb; i++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[i * 32 + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fr(max / -16);
    const id = d ? fr(1 / d) : 0;
    dv.setUint16(i * 22, f32ToF16Bits(d), true);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      const xi0 = Math.min(31, Math.trunc(fr(fr(x[i * 32 + j] * id) + 16.5)));
      const xi1 = Math.min(31, Math.trunc(fr(fr(x[i * 32 + 16 + j] * id) + 16.5)));
      out[i * 22 + 6 + j] = (xi0 & 0xf) | ((xi1 & 0xf) << 4);
      qh |= ((xi0 & 0x10) >> 4) << j;
      qh |= ((xi1 & 0x10) >> 4) << (j + 16);
    }
    dv.setUint32(i * 22 + 2, qh >>> 0, true);
  }
  return out;
}

/** Dequantizers (for tests and size checks). */
export function dequantizeQ4_K(b: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < n / QK_K; i++) {
    const bo = i * 144;
    const d = f16BitsToF32(dv.getUint16(bo, true));
    const min = f16BitsToF32(dv.getUint16(bo + 2, true));
    let y = i * QK_K;
    let q = bo + 16;
    for (let j = 0, is = 0; j < QK_K; j += 64, is += 2, q += 32) {
      const [s1, m1] = scaleMinK4(is, b, bo + 4);
      const [s2, m2] = scaleMinK4(is + 1, b, bo + 4);
      for (let l = 0; l < 32; l++) out[y++] = fr(fr(d * s1) * (b[q + l] & 0xf)) - fr(min * m1);
      for (let l = 0; l < 32; l++) out[y++] = fr(fr(d * s2) * (b[q + l] >> 4)) - fr(min * m2);
    }
  }
  return out;
}


export function dequantizeQ6_K(b: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < n / QK_K; i++) {
    const bo = i * 210;
    const d = f16BitsToF32(dv.getUint16(bo + 208, true));
    for (let half = 0; half < 2; half++) {
      const ql = bo + half * 64;
      const qh = bo + 128 + half * 32;
      const sc = bo + 192 + half * 8;
      const y = i * QK_K + half * 128;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const q1 = ((b[ql + l] & 0xf) | (((b[qh + l] >> 0) & 3) << 4)) - 32;
        const q2 = ((b[ql + l + 32] & 0xf) | (((b[qh + l] >> 2) & 3) << 4)) - 32;
        const q3 = ((b[ql + l] >> 4) | (((b[qh + l] >> 4) & 3) << 4)) - 32;
        const q4 = ((b[ql + l + 32] >> 4) | (((b[qh + l] >> 6) & 3) << 4)) - 32;
        out[y + l] = fr(d * dv.getInt8(sc + is)) * q1;
        out[y + l + 32] = fr(d * dv.getInt8(sc + is + 2)) * q2;
        out[y + l + 64] = fr(d * dv.getInt8(sc + is + 4)) * q3;
        out[y + l + 96] = fr(d * dv.getInt8(sc + is + 6)) * q4;
      }
    }
  }
  return out;
}

export function dequantizeQ5_0(b: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < n / 32; i++) {
    const d = f16BitsToF32(dv.getUint16(i * 22, true));
    const qh = dv.getUint32(i * 22 + 2, true);
    for (let j = 0; j < 16; j++) {
      const q = b[i * 22 + 6 + j];
      out[i * 32 + j] = (((q & 0xf) | (((qh >>> j) << 4) & 0x10)) - 16) * d;
      out[i * 32 + j + 16] = (((q >> 4) | ((qh >>> (j + 12)) & 0x10)) - 16) * d;
    }
  }
  return out;
}
