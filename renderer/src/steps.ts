// The wizard's steps, in order: names, icons and the one-line summary shown in the sidebar tooltip and page header.
export type StepId = 'projects' | 'model' | 'data' | 'train' | 'evaluate' | 'export';

export interface Step {
  id: StepId;
  label: string;
  summary: string;
}

export const STEPS: Step[] = [
  { id: 'projects', label: 'Projects', summary: 'Create and open projects' },
  { id: 'model', label: 'Model', summary: 'Choose a base model' },
  { id: 'data', label: 'Data', summary: 'Import a dataset' },
  { id: 'train', label: 'Train', summary: 'Fine-tune with LoRA or QLoRA' },
  { id: 'evaluate', label: 'Evaluate', summary: 'Compare base and adapter' },
  { id: 'export', label: 'Export', summary: 'Save the adapter or a merged model' },
];

/** Pages outside the wizard's numbered steps (reached from the sidebar and from "learn why" links). */
export type PageId = StepId | 'learn';
export const LEARN_PAGE = { id: 'learn' as const, label: 'Learn', summary: 'How fine-tuning works, shown live on your model' };
export const PAGES: { id: PageId; label: string; summary: string }[] = [...STEPS, LEARN_PAGE];
