// API methods of the Evaluate step: loss/pass-rate evals with lineage, the checkpoint picker, side-by-side chat with
// saved transcripts, and blind A/B ratings exported as a preference dataset.
import { z } from 'zod';
import type { AbPair, ChatAnswer, EvalRecord, EvalResult, LossRow, SideResult, TaskRow, Transcript } from './eval-types';
import type { DatasetSummary } from './dataset-types';
// Only the hoisted method() helper comes from contract.ts (which imports this file): its consts are not ready yet here.
import { method } from './contract';
import { Id, LocalPath, Name } from './schemas';


export type { AbPair, ChatAnswer, EvalRecord, EvalResult, LossRow, SideResult, TaskRow, Transcript };
/** An A/B pair as the rater sees it: which model wrote which answer stays hidden until it is rated. */
export type BlindPair = Omit<AbPair, 'sideA' | 'sideB'> & { sideA?: string; sideB?: string };
export interface CheckpointPoint { step: number; loss: number | null; ppl: number | null; evalId: string }

const Source = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('validation') }).strict(),
  z.object({ kind: z.literal('data'), path: LocalPath }).strict(),
  z.object({ kind: z.literal('dataset'), id: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('text'), path: LocalPath }).strict(),
  z.object({ kind: z.literal('forgetting') }).strict(),
  z.object({ kind: z.literal('evalSet'), path: LocalPath }).strict(),
  z.object({ kind: z.literal('demoEvalSet') }).strict(),
]);

/** What is evaluated: a run (its final adapter or one checkpoint), or a model folder with an optional adapter folder. */
const Target = {
  runId: Id.optional(),
  checkpoint: z.number().int().min(0).optional(),
  model: LocalPath.optional(),
  adapter: LocalPath.optional(),
};

/** A chat side: the base (adapter off), the run's adapter, or one of its checkpoints. */
export const ChatSide = z.union([z.literal('base'), z.literal('adapter'), z.object({ checkpoint: z.number().int().min(0) }).strict()]);

export const ChatSettingsSchema = z.object({
  temperature: z.number().min(0).max(5),
  topP: z.number().gt(0).max(1),
  maxNewTokens: z.number().int().min(1).max(4096),
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  sameSeed: z.boolean(),
  system: z.string().max(20_000).optional(),
}).strict();

const Message = z.object({ role: z.enum(['user', 'assistant']), content: z.string().max(200_000) }).strict();

export const evalsMethods = {
  'evals.run': method<{ record: EvalRecord; result: EvalResult }>()(
    z.object({ ...Target, projectId: Id.optional(), jobId: z.string().uuid().optional(), source: Source, seqLen: z.number().int().min(16).max(131072).optional(), maxNewTokens: z.number().int().min(1).max(4096).optional() }).strict(),
    'Evaluate base vs adapter: loss and perplexity (validation split, dataset, text, forgetting probe) or task pass-rates (eval set); stored with its lineage.',
  ),
  'evals.list': method<EvalRecord[]>()(z.object({ projectId: Id.optional(), runId: Id.optional() }).strict().optional(), 'Evaluations, newest first.'),
  'evals.get': method<{ record: EvalRecord; result: EvalResult }>()(z.object({ id: z.string().min(1) }).strict(), 'One evaluation with every row.'),
  'evals.checkpoints': method<{ points: CheckpointPoint[]; best: number | null; base: { loss: number | null; ppl: number | null } | null }>()(
    z.object({ runId: Id, projectId: Id.optional(), jobId: z.string().uuid().optional() }).strict(),
    "Checkpoint picker: every checkpoint of a run on its validation split, and the best (lowest loss).",
  ),
  'evals.chat': method<{ answers: ChatAnswer[] }>()(
    z.object({ ...Target, chatId: z.string().uuid(), sides: z.array(ChatSide).min(1).max(2), messages: z.array(Message).min(1), settings: ChatSettingsSchema }).strict(),
    'One prompt answered by each side (streamed as evals.chatToken events).',
  ),
  'evals.saveTranscript': method<Transcript>()(
    z.object({ projectId: Id, title: Name, settings: z.record(z.string(), z.unknown()), turns: z.array(z.object({ prompt: z.string(), answers: z.array(z.object({ side: z.string(), text: z.string() }).strict()) }).strict()).min(1) }).strict(),
    'Save a side-by-side chat in the project.',
  ),
  'evals.transcripts': method<Transcript[]>()(z.object({ projectId: Id }).strict(), "A project's saved chats, newest first."),
  'evals.abNext': method<BlindPair>()(
    z.object({ ...Target, projectId: Id, prompt: z.string().min(1).max(200_000), settings: ChatSettingsSchema, sides: z.tuple([ChatSide, ChatSide]).optional() }).strict(),
    'A blind A/B pair: both answers to one prompt, in random order.',
  ),
  'evals.abRate': method<BlindPair>()(z.object({ id: z.string().min(1), choice: z.enum(['a', 'b', 'both-bad']) }).strict(), 'Rate a pair: A, B, or both bad (then it reveals which model wrote each).'),
  'evals.abList': method<BlindPair[]>()(z.object({ projectId: Id }).strict(), "A project's A/B pairs, oldest first (sides shown once rated)."),
  'evals.abExport': method<{ dataset: DatasetSummary; pairs: number; skippedBothBad: number; skippedIdentical: number }>()(
    z.object({ projectId: Id, name: Name.optional() }).strict(),
    'Write the rated pairs as prompt/chosen/rejected JSONL into the project datasets (ready for DPO).',
  ),
} as const;
