// The four stages of a model's life for the Learn page's strip: what data each uses, what it optimises, what it
// costs, and which Lathe objective (if any) covers it. Figures are orders of magnitude, not quotes.

export interface Stage {
  id: 'pretrain' | 'midtrain' | 'sft' | 'align';
  label: string;
  data: string;
  objective: string;
  budget: string;
  inLathe: string;
}

export const STAGES: Stage[] = [
  {
    id: 'pretrain',
    label: 'Pre-training',
    data: 'Trillions of tokens of web pages, books and code, mostly unlabelled.',
    objective: 'Predict the next token everywhere: every token of every document is a training target.',
    budget: 'Thousands of GPUs for weeks to months. This is where knowledge and language come from.',
    inLathe: 'Not done in Lathe: you start from a model that has already been through it (the Model step).',
  },
  {
    id: 'midtrain',
    label: 'Mid-training',
    data: 'Billions of tokens of chosen text: a domain (law, medicine, your docs), longer documents, more code or maths.',
    objective: 'Still next-token prediction, on every token, but on a narrower mix.',
    budget: 'Tens to hundreds of GPUs at labs; on one GPU, millions of tokens of your own text.',
    inLathe: 'The cpt objective (continued pre-training) on a text dataset: the loss covers every token.',
  },
  {
    id: 'sft',
    label: 'Supervised fine-tuning',
    data: 'Thousands to a few hundred thousand conversations: a prompt and the answer you want.',
    objective: 'Next-token prediction on the answer only: the prompt is masked out of the loss (the Data step shows which tokens train).',
    budget: 'Hours on one GPU with LoRA or QLoRA. This is where a model learns to answer instead of continuing your text.',
    inLathe: 'The sft objective on a chat, Alpaca or completion dataset.',
  },
  {
    id: 'align',
    label: 'Alignment',
    data: 'Pairs of a better and a worse answer, or prompts whose answers a program can check.',
    objective: 'Raise the better answer over the worse one against a frozen reference (DPO family), or reward good samples the model writes itself (RL).',
    budget: 'Hours on one GPU for DPO with LoRA; RL costs more because the model must generate while it trains.',
    inLathe: 'dpo, ipo, orpo, simpo and kto on preference data; grpo with reward functions on prompt data.',
  },
];
