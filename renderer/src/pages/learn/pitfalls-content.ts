// The Learn page's pitfalls: one plain paragraph each, and where in Lathe the problem shows up or is avoided.

export interface Pitfall {
  id: string;
  title: string;
  text: string;
  where: string;
  link?: { step: 'evaluate' | 'train' | 'data' | 'model'; label: string };
}

export const PITFALLS: Pitfall[] = [
  {
    id: 'forgetting',
    title: 'Forgetting what it knew',
    text: 'Training pulls the weights toward your data. Push hard enough (a high learning rate, many epochs, a narrow dataset) and the model gets worse at everything else: general text, other languages, plain chat. LoRA limits the damage because the base weights never change, but the adapter can still override them.',
    where: 'Evaluate runs a forgetting probe: the loss on general text with the adapter on and off. If it rises a lot while your validation loss falls, train for less or lower the rate.',
    link: { step: 'evaluate', label: 'Open Evaluate' },
  },
  {
    id: 'perplexity',
    title: 'Low loss, worse answers',
    text: 'Loss (and perplexity, its exponential) says how well the model predicts the training kind of text, not whether its answers are useful. A model can reach a low loss by memorising the training rows and then answer new questions worse; long answers also score a lower loss per token than short ones simply because later tokens are easier to guess.',
    where: 'Train plots the validation loss on rows held out of training, and Evaluate compares base and adapter on your own eval set and side by side in chat. Trust those over the training loss.',
    link: { step: 'evaluate', label: 'Open Evaluate' },
  },
  {
    id: 'reward-hacking',
    title: 'Reward hacking',
    text: 'With RL the model learns whatever raises the reward, including tricks you did not mean: repeating the format the checker looks for without the right answer, padding to a length the reward likes, or one easy reward growing while the others stall.',
    where: 'A GRPO run charts each reward function on its own, not only their sum: a single reward climbing while accuracy stays flat is the sign. Read a few samples before trusting the curve.',
    // The link is the project's newest GRPO run's reward chart (reward-chart-link.ts).
  },
  {
    id: 'cutoff',
    title: 'Knowledge cutoff',
    text: 'A model knows only what was in its pre-training text, up to the date it was collected. Fine-tuning on a few hundred rows does not reliably add new facts, and the model will state old or invented ones with confidence.',
    where: 'The guide below sends fact-heavy datasets to retrieval (RAG) instead of fine-tuning; the next-token demo shows how little one example moves the model.',
  },
];
