// Test oracle: llama.cpp (node-llama-cpp, CPU prebuilt) teacher-forced log-probs, greedy generation and tokenization of a GGUF.
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel, type Token } from 'node-llama-cpp';

let llamaPromise: Promise<Llama> | null = null;

/** One llama.cpp instance per test process (loading the backend is the slow part). */
function llamaInstance(): Promise<Llama> {
  llamaPromise ??= getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
  return llamaPromise;
}

export interface OracleOptions {
  /** Context length; must cover the longest sequence evaluated. */
  contextSize?: number;
  threads?: number;
  /** A GGUF LoRA adapter file applied at scale 1. */
  lora?: string;
}

export class LlamaCppOracle {
  private seq: ReturnType<LlamaContext['getSequence']> | null = null;

  private constructor(
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
  ) {}

  /** The single sequence, cleared before each call so every evaluation starts from an empty KV cache. */
  private async freshSequence() {
    this.seq ??= this.context.getSequence();
    await this.seq.clearHistory();
    return this.seq;
  }

  static async load(ggufPath: string, opts: OracleOptions = {}): Promise<LlamaCppOracle> {
    const llama = await llamaInstance();
    const model = await llama.loadModel({ modelPath: ggufPath, gpuLayers: 0, useMmap: false });
    try {
      const context = await model.createContext({
        contextSize: opts.contextSize ?? 256,
        batchSize: opts.contextSize ?? 256,
        threads: opts.threads ?? 2,
        sequences: 1,
        ...(opts.lora ? { lora: { adapters: [{ filePath: opts.lora }] } } : {}),
      });
      return new LlamaCppOracle(model, context);
    } catch (err) {
      await model.dispose();
      throw err;
    }
  }

  /**
   * logprobs[i] = log p(ids[i+1] | ids[0..i]), from llama.cpp's full next-token distribution at each position.
   * Also returns, per position, the total probability mass llama.cpp reported (≈ 1 when the distribution is complete).
   */
  async logprobs(ids: number[]): Promise<{ logprobs: number[]; mass: number[] }> {
    if (ids.length > this.context.contextSize) throw new Error(`${ids.length} tokens exceed the oracle context of ${this.context.contextSize}`);
    const seq = await this.freshSequence();
    // temperature 0 = greedy sampler: the probabilities are a plain softmax of the logits over the whole vocab.
    const input = ids.map((t, i) =>
      i < ids.length - 1 ? ([t as Token, { generateNext: { probabilities: true, options: { temperature: 0 } } }] as const) : (t as Token),
    );
    const res = await seq.controlledEvaluate(input as never);
    const logprobs: number[] = [];
    const mass: number[] = [];
    for (let i = 0; i < ids.length - 1; i++) {
      const probs = res[i]?.next.probabilities;
      if (!probs) throw new Error(`llama.cpp returned no distribution at position ${i}`);
      let sum = 0;
      for (const p of probs.values()) sum += p;
      mass.push(sum);
      // Probabilities arrive as f32: fine for the 2e-3 tolerance unless p is far below 1e-30.
      logprobs.push(Math.log(probs.get(ids[i + 1] as Token) ?? 0));
    }
    return { logprobs, mass };
  }

  /**
   * Greedy continuation of `ids`: up to `n` next token ids (argmax at each step, KV cache reused). llama.cpp stops
   * early at an end-of-generation token, so a shorter result means the model emitted one.
   */
  async greedy(ids: number[], n: number): Promise<number[]> {
    const seq = await this.freshSequence();
    const out: number[] = [];
    for await (const tok of seq.evaluate(ids as Token[], { temperature: 0 })) {
      out.push(tok);
      if (out.length >= n) break;
    }
    return out;
  }

  /** llama.cpp's own tokenizer on the GGUF vocabulary (special tokens parsed, no BOS added). */
  tokenize(text: string): number[] {
    return this.model.tokenize(text, true) as number[];
  }

  async dispose(): Promise<void> {
    this.seq?.dispose();
    await this.context.dispose();
    await this.model.dispose();
  }
}
