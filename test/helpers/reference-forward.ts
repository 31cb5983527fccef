// Plain scalar f32/f64 reference forward of the Llama family from an HF folder: the second oracle next to llama.cpp.
//
// Letters: T tokens, H hidden, I intermediate, V vocab, nh/nkv heads, hd head_dim. Accumulation is f64, so the
// reference is at least as accurate as any f32 implementation it is compared with.
import { readModelDir, type ModelSummary } from '../../main/models/model-dir';
import { readCheckpointIndex, readTensorF32 } from '../../main/models/safetensors';

export interface ReferenceModel {
  cfg: ModelSummary;
  w: Map<string, Float32Array>;
  /** Per-frequency inverse frequencies after any llama3 scaling, [hd/2]. */
  invFreq: Float64Array;
}

export async function loadReferenceModel(dir: string): Promise<ReferenceModel> {
  const cfg = await readModelDir(dir);
  const w = new Map<string, Float32Array>();
  for (const [name, t] of await readCheckpointIndex(dir)) w.set(name, await readTensorF32(t));
  const hd = cfg.headDim;
  const invFreq = new Float64Array(hd / 2);
  for (let i = 0; i < hd / 2; i++) invFreq[i] = 1 / cfg.rope.theta ** ((2 * i) / hd);
  const s = cfg.rope.scaling;
  if (s && s.rope_type === 'llama3') {
    // transformers _compute_llama3_parameters (formats.md §2).
    const factor = s.factor as number, lo = s.low_freq_factor as number, hi = s.high_freq_factor as number;
    const oldCtx = s.original_max_position_embeddings as number;
    for (let i = 0; i < hd / 2; i++) {
      const wl = (2 * Math.PI) / invFreq[i];
      if (wl < oldCtx / hi) continue;
      if (wl > oldCtx / lo) invFreq[i] /= factor;
      else {
        const sm = (oldCtx / wl - lo) / (hi - lo);
        invFreq[i] = ((1 - sm) * invFreq[i]) / factor + sm * invFreq[i];
      }
    }
  } else if (s) {
    throw new Error(`reference forward: rope scaling ${s.rope_type} not implemented`);
  }
  return { cfg, w, invFreq };
}

function get(m: ReferenceModel, name: string): Float32Array {
  const t = m.w.get(name);
  if (!t) throw new Error(`reference forward: tensor ${name} missing`);
  return t;
}

/** out (T, O) = x (T, In) · W^T, W [O, In] row-major, plus optional bias [O]. */
function linear(x: Float64Array, T: number, In: number, W: Float32Array, O: number, bias?: Float32Array): Float64Array {
  const out = new Float64Array(T * O);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < O; o++) {
      let acc = bias ? bias[o] : 0;
      const wo = o * In;
      const xt = t * In;
      for (let i = 0; i < In; i++) acc += x[xt + i] * W[wo + i];
      out[t * O + o] = acc;
    }
  }
  return out;
}

/** RMSNorm over rows of length n: y = w · x / sqrt(mean(x²) + eps). */
function rmsnorm(x: Float64Array, rows: number, n: number, w: Float32Array, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[r * n + i] ** 2;
    const inv = 1 / Math.sqrt(ss / n + eps);
    for (let i = 0; i < n; i++) out[r * n + i] = x[r * n + i] * inv * w[i];
  }
  return out;
}

/** HF rotate-half RoPE in place on (T, nHeads, hd). */
function rope(x: Float64Array, T: number, nHeads: number, hd: number, invFreq: Float64Array, pos0: number) {
  const half = hd / 2;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < nHeads; h++) {
      const base = (t * nHeads + h) * hd;
      for (let i = 0; i < half; i++) {
        const a = (pos0 + t) * invFreq[i];
        const c = Math.cos(a), s = Math.sin(a);
        const x1 = x[base + i], x2 = x[base + half + i];
        x[base + i] = x1 * c - x2 * s;
        x[base + half + i] = x2 * c + x1 * s;
      }
    }
  }
}

/** Logits (T, V) for the token sequence `ids` (full causal forward, no cache). */
export function referenceLogits(m: ReferenceModel, ids: number[]): Float64Array {
  const { hidden: H, intermediate: I, heads: nh, kvHeads: nkv, headDim: hd, vocab: V, rmsNormEps: eps } = m.cfg;
  const T = ids.length;
  const emb = get(m, 'model.embed_tokens.weight');
  let x: Float64Array = new Float64Array(T * H); // (T, H) residual stream
  ids.forEach((id, t) => {
    if (id < 0 || id >= V) throw new Error(`token id ${id} out of range`);
    for (let i = 0; i < H; i++) x[t * H + i] = emb[id * H + i];
  });
  const group = nh / nkv;
  const scale = 1 / Math.sqrt(hd);
  const isQwen2 = m.cfg.modelType === 'qwen2';
  for (let l = 0; l < m.cfg.layers; l++) {
    const p = `model.layers.${l}.`;
    const opt = (n: string) => m.w.get(p + n);
    const h = rmsnorm(x, T, H, get(m, `${p}input_layernorm.weight`), eps);
    const bias = (n: string) => (isQwen2 || m.cfg.attentionBias ? opt(n) : undefined);
    let q = linear(h, T, H, get(m, `${p}self_attn.q_proj.weight`), nh * hd, bias('self_attn.q_proj.bias')); // (T, nh, hd)
    let k = linear(h, T, H, get(m, `${p}self_attn.k_proj.weight`), nkv * hd, bias('self_attn.k_proj.bias')); // (T, nkv, hd)
    const v = linear(h, T, H, get(m, `${p}self_attn.v_proj.weight`), nkv * hd, bias('self_attn.v_proj.bias')); // (T, nkv, hd)
    const qn = opt('self_attn.q_norm.weight');
    const kn = opt('self_attn.k_norm.weight');
    if (qn && kn) {
      q = rmsnorm(q, T * nh, hd, qn, eps);
      k = rmsnorm(k, T * nkv, hd, kn, eps);
    }
    rope(q, T, nh, hd, m.invFreq, 0);
    rope(k, T, nkv, hd, m.invFreq, 0);
    const att = new Float64Array(T * nh * hd); // (T, nh, hd)
    const scores = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < nh; hh++) {
        const kvh = Math.floor(hh / group);
        let max = -Infinity;
        for (let s = 0; s <= t; s++) {
          let d = 0;
          for (let i = 0; i < hd; i++) d += q[(t * nh + hh) * hd + i] * k[(s * nkv + kvh) * hd + i];
          scores[s] = d * scale;
          max = Math.max(max, scores[s]);
        }
        let sum = 0;
        for (let s = 0; s <= t; s++) sum += (scores[s] = Math.exp(scores[s] - max));
        for (let s = 0; s <= t; s++) {
          const pr = scores[s] / sum;
          for (let i = 0; i < hd; i++) att[(t * nh + hh) * hd + i] += pr * v[(s * nkv + kvh) * hd + i];
        }
      }
    }
    const o = linear(att, T, nh * hd, get(m, `${p}self_attn.o_proj.weight`), H, opt('self_attn.o_proj.bias'));
    for (let i = 0; i < x.length; i++) x[i] += o[i];
    const h2 = rmsnorm(x, T, H, get(m, `${p}post_attention_layernorm.weight`), eps);
    // Llama's mlp_bias / attention_bias put biases on these too; absent tensors mean no bias.
    const gate = linear(h2, T, H, get(m, `${p}mlp.gate_proj.weight`), I, opt('mlp.gate_proj.bias'));
    const up = linear(h2, T, H, get(m, `${p}mlp.up_proj.weight`), I, opt('mlp.up_proj.bias'));
    for (let i = 0; i < gate.length; i++) gate[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
    const down = linear(gate, T, I, get(m, `${p}mlp.down_proj.weight`), H, opt('mlp.down_proj.bias'));
    for (let i = 0; i < x.length; i++) x[i] += down[i];
  }
  x = rmsnorm(x, T, H, get(m, 'model.norm.weight'), eps);
  const head = m.cfg.tied ? emb : get(m, 'lm_head.weight');
  return linear(x, T, H, head, V);
}

function logSoftmaxAt(logits: Float64Array, row: number, V: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[row * V + i]);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp(logits[row * V + i] - max);
  return logits[row * V + target] - max - Math.log(sum);
}

/** logprobs[i] = log p(ids[i+1] | ids[0..i]). */
export function referenceLogprobs(m: ReferenceModel, ids: number[]): number[] {
  const V = m.cfg.vocab;
  const logits = referenceLogits(m, ids);
  const out: number[] = [];
  for (let i = 0; i + 1 < ids.length; i++) out.push(logSoftmaxAt(logits, i, V, ids[i + 1]));
  return out;
}

/** Greedy continuation: n argmax tokens (recomputes the prefix each step; fine for tiny models). */
export function referenceGreedy(m: ReferenceModel, ids: number[], n: number): number[] {
  const V = m.cfg.vocab;
  const seq = [...ids];
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const logits = referenceLogits(m, seq);
    const row = seq.length - 1;
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[row * V + i] > logits[row * V + best]) best = i;
    out.push(best);
    seq.push(best);
  }
  return out;
}
