// Named chat templates for models without one (llama-2, llama-3, mistral, gemma, phi-3), as Jinja rendered like the model's own.
// Each `source` is one JSON string literal on one line: test/fixtures/scripts/render_templates.py reads them from this file to
// make the golden renders, so the goldens check these exact sources against Python's jinja2.

import { NAMED_TEMPLATE_NAMES, type NamedTemplate } from '../api/template-names';

export { NAMED_TEMPLATE_NAMES, type NamedTemplate };

export interface NamedTemplateSpec {
  /** Strings that close an assistant turn in this template (trained with the turn). */
  end: string[];
  source: string;
  description: string;
}

export const NAMED_TEMPLATES: Record<NamedTemplate, NamedTemplateSpec> = {
  'llama-2': {
    end: ["</s>"],
    source: "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    description: "Llama 2 chat: [INST] … [/INST] answer </s>, the system prompt in <<SYS>> inside the first user turn.",
  },
  'llama-3': {
    end: ["<|eot_id|>"],
    source: "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
    description: "Llama 3 instruct: header tokens per turn, <|eot_id|> after each.",
  },
  'mistral': {
    end: ["</s>"],
    source: "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set system_message = messages[0]['content'] | trim + '\\n\\n' %}{% set loop_messages = messages[1:] %}{% else %}{% set system_message = '' %}{% set loop_messages = messages %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + (system_message if loop.first else '') + message['content'] | trim + ' [/INST]' }}{% else %}{{ ' ' + message['content'] | trim + eos_token }}{% endif %}{% endfor %}",
    description: "Mistral instruct: [INST] … [/INST] answer</s>; a system prompt opens the first user turn.",
  },
  'gemma': {
    end: ["<end_of_turn>"],
    source: "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set first_user_prefix = messages[0]['content'] | trim + '\\n\\n' %}{% set loop_messages = messages[1:] %}{% else %}{% set first_user_prefix = '' %}{% set loop_messages = messages %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'assistant' %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else '') + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}",
    description: "Gemma: <start_of_turn>user|model … <end_of_turn>; a system prompt opens the first user turn.",
  },
  'phi-3': {
    end: ["<|end|>"],
    source: "{% for message in messages %}{% if message['role'] in ['system', 'user', 'assistant'] %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}{% else %}{{ raise_exception('Phi-3 knows the roles system, user and assistant, not ' + message['role']) }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}",
    description: "Phi-3: <|user|> … <|end|>, <|assistant|> … <|end|>, EOS at the end of a training row.",
  },
};

export function isNamedTemplate(name: string): name is NamedTemplate {
  return Object.prototype.hasOwnProperty.call(NAMED_TEMPLATES, name);
}
