// Small dense linear algebra in f64 for the adapter merge lab: orthonormal bases, symmetric eigen-decomposition
// (cyclic Jacobi) and a randomized truncated SVD of one weight-sized matrix at a time.

/** Row-major matrix product C[m,n] = A[m,k]·B[k,n]. */
export function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      const bo = p * n;
      const co = i * n;
      for (let j = 0; j < n; j++) C[co + j] += a * B[bo + j];
    }
  }
  return C;
}

export function transpose(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/** Orthonormalizes the k columns of row-major Y [m, k] in place (Gram-Schmidt twice); returns the columns kept. */
export function orthonormalColumns(Y: Float64Array, m: number, k: number): number {
  let kept = 0;
  for (let c = 0; c < k; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < kept; q++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += Y[i * k + q] * Y[i * k + c];
        for (let i = 0; i < m; i++) Y[i * k + c] -= dot * Y[i * k + q];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += Y[i * k + c] ** 2;
    norm = Math.sqrt(norm);
    // A column already spanned by earlier ones carries no new direction.
    if (norm < 1e-12) continue;
    for (let i = 0; i < m; i++) Y[i * k + kept] = Y[i * k + c] / norm;
    kept++;
  }
  for (let c = kept; c < k; c++) for (let i = 0; i < m; i++) Y[i * k + c] = 0;
  return kept;
}

/** Eigen-decomposition of symmetric S [n, n]: values descending, vectors as columns of V (row-major). */
export function symmetricEigen(S: Float64Array, n: number): { values: Float64Array; V: Float64Array } {
  const A = Float64Array.from(S);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = [...Array(n).keys()].sort((a, b) => A[b * n + b] - A[a * n + a]);
  const values = Float64Array.from(order, (i) => A[i * n + i]);
  const Vs = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) Vs[r * n + c] = V[r * n + order[c]];
  return { values, V: Vs };
}

/** Deterministic uniforms in (0, 1) (xorshift32), so merges are reproducible. */
export function uniform(seed: number): () => number {
  let s = (seed >>> 0) || 0x9e3779b9;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
}

/** Deterministic standard normals (Box-Muller over `uniform`). */
export function gaussian(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/**
 * Rank-k truncated SVD of M [m, n] (Halko et al.: Gaussian sketch with oversampling, two power iterations, exact
 * SVD of the small projected matrix). Exact whenever rank(M) ≤ k + oversample. Returns U [m,k], S [k], Vt [k,n].
 */
export function truncatedSvd(M: Float64Array, m: number, n: number, k: number, seed = 1): { U: Float64Array; S: Float64Array; Vt: Float64Array } {
  const l = Math.min(k + 8, m, n);
  const g = gaussian(seed);
  const omega = Float64Array.from({ length: n * l }, g);
  let Y = matmul(M, omega, m, n, l);
  const Mt = transpose(M, m, n);
  orthonormalColumns(Y, m, l);
  for (let it = 0; it < 2; it++) {
    const Z = matmul(Mt, Y, n, m, l);
    orthonormalColumns(Z, n, l);
    Y = matmul(M, Z, m, n, l);
    orthonormalColumns(Y, m, l);
  }
  // Bs = Qᵀ M [l, n]; its SVD via the eigen-decomposition of Bs Bsᵀ [l, l].
  const Bs = matmul(transpose(Y, m, l), M, l, m, n);
  const G = matmul(Bs, transpose(Bs, l, n), l, n, l);
  const { values, V } = symmetricEigen(G, l);
  const kk = Math.min(k, l);
  const S = new Float64Array(kk);
  const U = new Float64Array(m * kk);
  const Vt = new Float64Array(kk * n);
  const QU = matmul(Y, V, m, l, l);
  for (let c = 0; c < kk; c++) {
    const sv = Math.sqrt(Math.max(values[c], 0));
    S[c] = sv;
    for (let i = 0; i < m; i++) U[i * kk + c] = QU[i * l + c];
    if (sv > 1e-300) {
      // row c of Vt = (V[:,c]ᵀ Bs) / σ_c
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < l; p++) acc += V[p * l + c] * Bs[p * n + j];
        Vt[c * n + j] = acc / sv;
      }
    }
  }
  return { U, S, Vt };
}
