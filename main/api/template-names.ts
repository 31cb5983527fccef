// The chat templates a dataset can be rendered with, by name: shared by the training config, the Data step's
// arguments and the renderer (main/data/named-templates.ts holds the named ones' Jinja sources).

export const NAMED_TEMPLATE_NAMES = ['llama-2', 'llama-3', 'mistral', 'gemma', 'phi-3'] as const;
export type NamedTemplate = (typeof NAMED_TEMPLATE_NAMES)[number];

/** 'model': the tokenizer's own chat template. Built-ins are for base models that have none. */
export type TemplateName = 'model' | 'chatml' | 'alpaca' | NamedTemplate;
export const TEMPLATE_NAMES: readonly TemplateName[] = ['model', 'chatml', 'alpaca', ...NAMED_TEMPLATE_NAMES];
