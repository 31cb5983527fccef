// The New run form's first question, "what do you want to change?": each answer names the lever that changes it, the
// objective and settings to start from, and which dataset formats fit. Fresh facts are not a fine-tuning job at all.
import type { TrainingConfigInput } from '../../../../main/api/contract';

export type GoalId = 'behaviour' | 'preference' | 'reasoning' | 'domain' | 'facts';

export interface Goal {
  id: GoalId;
  label: string;
  /** What to do, in one or two sentences. */
  advice: string;
  /** Settings layered over the preset; absent when this build cannot train for the goal. */
  config?: Partial<TrainingConfigInput>;
  /** Dataset formats (from the Data step) that fit; empty = any. */
  formats: string[];
}

export const GOALS: readonly Goal[] = [
  {
    id: 'behaviour',
    label: 'Format, tone or behaviour',
    advice: 'Supervised fine-tuning (SFT) on example conversations: the model learns to answer the way your examples do.',
    config: { objective: 'sft' },
    formats: ['alpaca', 'sharegpt', 'messages', 'completion'],
  },
  {
    id: 'preference',
    label: 'A preference between good and bad answers',
    advice: 'DPO on pairs of a chosen and a rejected answer to the same prompt. Best started from an SFT adapter (initAdapter in Advanced settings); beta 0.1 keeps the model close to where it started.',
    // One epoch at a tenth of the SFT rate: DPO over-optimises quickly on small pair sets.
    config: { objective: 'dpo', beta: 0.1, learningRate: 2e-5, epochs: 1, packing: false },
    formats: ['preference'],
  },
  {
    id: 'reasoning',
    label: 'Reasoning that can be checked',
    advice: 'GRPO: for each prompt the model samples a group of answers, verifiable rewards score them (exact or numeric answer by default; regex, JSON, JSON schema, length, <think> format in Advanced settings), and the better ones are reinforced. Prompts need an "answer" field. Start from an SFT adapter that already answers in the right format.',
    // 8 samples per prompt at temperature 1, DAPO's token-level normalisation, a small KL to the base.
    config: { objective: 'grpo', rewards: ['numeric'], grpoGroupSize: 8, grpoLoss: 'dapo', beta: 0.04, learningRate: 1e-5, epochs: 1, packing: false },
    formats: ['prompts'],
  },
  {
    id: 'domain',
    label: 'Domain language or knowledge',
    advice: 'Continued pre-training (CPT) on raw domain text (a text file or a folder of .txt/.md), every token trained, with a warmup-stable-decay schedule; then an SFT run teaches the answer format back.',
    // Hold the peak and decay at the end to a tenth: the mid-training recipe; one pass over the text.
    config: { objective: 'cpt', schedule: 'wsd', minLrRatio: 0.1, epochs: 1 },
    formats: ['text'],
  },
  {
    id: 'facts',
    label: 'Fresh facts (prices, docs, news)',
    advice: 'Not a fine-tuning job: facts that change belong in retrieval (RAG), where updating them is an edit, not a training run. Fine-tuning teaches how to use retrieved text, not the text itself.',
    formats: [],
  },
];

export const goalById = (id: GoalId): Goal => GOALS.find((g) => g.id === id) ?? GOALS[0];

/** A warning when the chosen dataset's format does not fit the goal's objective (null when it fits or is unknown). */
export function dataWarning(goal: Goal, format: string | undefined): string | null {
  if (!format || !goal.config) return null;
  if (goal.id === 'preference' && format !== 'preference') return `DPO needs preference pairs (prompt, chosen, rejected), but this dataset is ${format} data. Pick a preference dataset, or choose "Format, tone or behaviour".`;
  if (goal.id === 'behaviour' && format === 'preference') return 'This is preference data: SFT would learn only the chosen answers and ignore the rejected ones. Choose "A preference between good and bad answers" to train on both.';
  if (goal.id === 'reasoning' && format !== 'prompts') return `GRPO needs prompts with a checkable answer (prompt or messages, and answer), but this dataset is ${format} data.`;
  if (goal.id === 'domain' && format !== 'text') return `Continued pre-training reads raw text, but this dataset is ${format} data. Pick a text dataset (a .txt/.md file or folder), or choose "Format, tone or behaviour".`;
  if (goal.id === 'behaviour' && format === 'text') return 'This is raw text: learning it is continued pre-training. Choose "Domain language or knowledge".';
  return null;
}
