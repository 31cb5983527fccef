// Chat-template rendering with transformers' semantics (formats.md §6) on top of @huggingface/jinja.
import { PythonTemplate } from './jinja-python';
import { LatheError } from '../api/errors';
import type { ChatMessage } from '../api/eval-types';

export type { ChatMessage };

export interface RenderOptions {
  addGenerationPrompt?: boolean;
  /** Extra template variables, e.g. Qwen3's `enable_thinking`, or `tools`. They override the defaults. */
  extra?: Record<string, unknown>;
}

/**
 * A parsed chat template, rendered by PythonTemplate (jinja-python.ts: @huggingface/jinja with jinja2's str.strip(chars),
 * Python printing of True/None/lists, `%` and `*` on strings). @huggingface/jinja already lexes with trim_blocks + lstrip_blocks, strips the
 * `{% generation %}` tag, defines raise_exception and strftime_now, and its tojson does no HTML escaping
 * and defaults to ensure_ascii=false — which is exactly transformers' environment.
 */
export class ChatTemplate {
  readonly source: string;
  private readonly template: PythonTemplate;
  private readonly where: string;

  constructor(source: string, where: string) {
    this.source = source;
    this.where = where;
    try {
      this.template = new PythonTemplate(source);
    } catch (err) {
      throw new LatheError(
        'chat_template_invalid',
        `${where}: the chat template does not parse: ${(err as Error).message}`,
        'Fix the Jinja syntax of chat_template, or choose a built-in template for this dataset.',
      );
    }
  }

  /** `specialTokens` are the named special tokens transformers passes as variables (bos_token, eos_token, …). */
  render(messages: ChatMessage[], specialTokens: Record<string, unknown>, opts: RenderOptions = {}): string {
    const vars: Record<string, unknown> = {
      ...specialTokens,
      messages,
      // transformers passes tools=None and documents=None: defined, and `is none`.
      tools: null,
      documents: null,
      add_generation_prompt: opts.addGenerationPrompt ?? false,
      ...(opts.extra ?? {}),
    };
    try {
      return this.template.render(vars);
    } catch (err) {
      const msg = (err as Error).message;
      throw new LatheError(
        'chat_template_error',
        `${this.where}: rendering the chat template failed: ${msg}`,
        /alternate/i.test(msg)
          ? 'This template needs roles to alternate user/assistant (an optional system message first).'
          : 'Check the conversation roles and fields against what this model\'s template expects.',
      );
    }
  }
}

/** Resolves tokenizer_config `chat_template` (string, or a list of {name, template}) to one source string. */
export function pickChatTemplate(value: unknown, name = 'default'): string | null {
  if (value == null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const items = value.filter(
      (v): v is { name: string; template: string } =>
        !!v && typeof v === 'object' && typeof (v as { template?: unknown }).template === 'string',
    );
    const hit = items.find((v) => v.name === name) ?? items.find((v) => v.name === 'default') ?? items[0];
    return hit ? hit.template : null;
  }
  return null;
}
