// The Learn page's sections in reading order, with the anchor ids other steps link to (#/learn/<id>).
export const SECTIONS = [
  { id: 'next-token', title: 'Next-token prediction' },
  { id: 'masked', title: 'Filling a gap (and why BERT is different)' },
  { id: 'sft', title: 'Supervised fine-tuning on your data' },
  { id: 'lifecycle', title: 'The lifecycle of a model' },
  { id: 'approaches', title: 'Full fine-tuning vs LoRA vs QLoRA' },
  { id: 'lever', title: 'Fine-tune, RAG or prompt?' },
  { id: 'pitfalls', title: 'Pitfalls' },
] as const;
export type SectionId = (typeof SECTIONS)[number]['id'];
