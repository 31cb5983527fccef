// Loads a Hugging Face tokenizer folder (tokenizer.json + tokenizer_config.json [+ chat_template.jinja]) behind one interface.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { LatheError } from '../api/errors';
import { ChatTemplate, pickChatTemplate, type ChatMessage, type RenderOptions } from './chat-template';
import { createFastEncoder, type FastEncoder } from './fast-encode';

export type { ChatMessage } from './chat-template';

export interface LatheTokenizer {
  readonly dir: string;
  /** sha256 over tokenizer.json + tokenizer_config.json + chat template bytes. */
  readonly hash: string;
  /** Including added tokens: max id + 1. */
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  /** eos + end-of-turn tokens present in the vocab. */
  readonly stopIds: number[];
  readonly addBosToken: boolean;
  readonly chatTemplate: string | null;
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  renderChat(messages: ChatMessage[], opts?: RenderOptions): string;
  /** tokenizer_config's special tokens (bos, eos, unk, pad, …) as transformers passes them to a chat template. */
  readonly specialTokenVars?: Readonly<Record<string, unknown>>;
  /** True when encode() without special tokens takes the cached byte-level fast path (same ids as the library). */
  readonly fastEncode?: boolean;
}

export interface LoadTokenizerOptions {
  /** Use the byte-level BPE fast path where it applies (default true); false keeps the library's encoder (the baseline). */
  fastEncode?: boolean;
}

/** Raw JSON of the two tokenizer files, as other modules (the GGUF writer) need them. */
export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  chatTemplate: string | null;
}

/** End-of-turn markers used by the chat formats we support; only those that are added tokens count. */
const END_OF_TURN_TOKENS = ['<|eot_id|>', '<|eom_id|>', '<|im_end|>', '<end_of_turn>', '<|end_of_text|>', '<|endoftext|>', '<eos>', '</s>'];

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'];

async function readJson(path: string, what: string, required: boolean): Promise<{ json: Record<string, unknown> | null; bytes: Buffer | null }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) return { json: null, bytes: null };
    throw new LatheError(
      'tokenizer_missing',
      `${path}: cannot read ${what}: ${(err as Error).message}`,
      'A model folder needs tokenizer.json (the fast-tokenizer file). Re-download the model or copy tokenizer.json next to config.json.',
    );
  }
  try {
    const json = JSON.parse(bytes.toString('utf8')) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('top level is not a JSON object');
    return { json: json as Record<string, unknown>, bytes };
  } catch (err) {
    throw new LatheError('tokenizer_invalid', `${path}: ${what} is not valid JSON: ${(err as Error).message}`, 'The file is damaged; re-download it.');
  }
}

/** tokenizer_config tokens are a string or `{content, __type: "AddedToken"}`. */
export function tokenString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

/** Reads the raw tokenizer files of a folder; the template comes from chat_template.jinja when present (newer transformers). */
export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles & { bytes: Buffer[] }> {
  const tj = await readJson(join(dir, 'tokenizer.json'), 'tokenizer.json', true);
  const tc = await readJson(join(dir, 'tokenizer_config.json'), 'tokenizer_config.json', false);
  let chatTemplate: string | null = null;
  let templateBytes = Buffer.alloc(0);
  try {
    templateBytes = await readFile(join(dir, 'chat_template.jinja'));
    chatTemplate = templateBytes.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    chatTemplate = pickChatTemplate(tc.json?.chat_template);
    templateBytes = Buffer.from(chatTemplate ?? '', 'utf8');
  }
  return {
    tokenizerJson: tj.json!,
    tokenizerConfig: tc.json ?? {},
    chatTemplate,
    bytes: [tj.bytes!, tc.bytes ?? Buffer.alloc(0), templateBytes],
  };
}

function hashParts(parts: Buffer[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    // Length-prefixed so that moving bytes between files changes the hash.
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(p.length));
    h.update(len).update(p);
  }
  return h.digest('hex');
}

/** transformers' add_bos_token: tokenizer_config's flag when set, otherwise what the post-processor does. */
export function resolveAddBos(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>): boolean {
  if (typeof tokenizerConfig.add_bos_token === 'boolean') return tokenizerConfig.add_bos_token;
  return postProcessorAddsBos(tokenizerJson, tokenString(tokenizerConfig.bos_token));
}

/** Does the post-processor put `bosId` in front of a single sequence (TemplateProcessing)? */
function postProcessorAddsBos(tokenizerJson: Record<string, unknown>, bos: string | null): boolean {
  if (!bos) return false;
  const pp = tokenizerJson.post_processor as Record<string, unknown> | null | undefined;
  const procs: Record<string, unknown>[] = !pp
    ? []
    : pp.type === 'Sequence'
      ? ((pp.processors as Record<string, unknown>[]) ?? [])
      : [pp];
  for (const p of procs) {
    if (p.type !== 'TemplateProcessing') continue;
    const first = (p.single as Record<string, { id?: string }>[] | undefined)?.[0];
    if (first?.SpecialToken?.id === bos) return true;
  }
  return false;
}

/** A global symbol, not instanceof: dev tools may load this module twice, and both copies must recognise their tokenizers. */
const SOURCE = Symbol.for('lathe.tokenizerSource');

class HfTokenizer implements LatheTokenizer {
  readonly dir: string;
  readonly hash: string;
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly stopIds: number[];
  readonly addBosToken: boolean;
  readonly chatTemplate: string | null;
  private readonly tok: Tokenizer;
  private readonly template: ChatTemplate | null;
  readonly specialTokenVars: Record<string, unknown>;
  /** The post-processor does not add BOS although tokenizer_config says so: we add it ourselves (as LlamaTokenizerFast does). */
  private readonly prependBos: boolean;
  private readonly fast: FastEncoder | null;

  constructor(dir: string, files: TokenizerFiles, hash: string, opts: LoadTokenizerOptions = {}) {
    this.dir = dir;
    this.hash = hash;
    const cfg = files.tokenizerConfig;
    try {
      this.tok = new Tokenizer(files.tokenizerJson, cfg);
    } catch (err) {
      throw new LatheError(
        'tokenizer_unsupported',
        `${join(dir, 'tokenizer.json')}: cannot build the tokenizer: ${(err as Error).message}`,
        'Lathe supports BPE (byte-level and SentencePiece-style), Unigram and WordPiece tokenizer.json files.',
      );
    }
    const vocab = this.tok.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) if (id > maxId) maxId = id;
    this.vocabSize = maxId + 1;

    const idOf = (key: string): number | null => {
      const s = tokenString(cfg[key]);
      if (s == null) return null;
      return this.tok.token_to_id(s) ?? null;
    };
    this.bosId = idOf('bos_token');
    this.eosId = idOf('eos_token');
    this.padId = idOf('pad_token');

    const added = this.tok.get_added_tokens_decoder();
    const addedIds = new Set<number>();
    const addedByContent = new Map<string, number>();
    for (const [id, t] of added) {
      addedIds.add(id);
      addedByContent.set(t.content, id);
    }
    const stops: number[] = [];
    if (this.eosId != null) stops.push(this.eosId);
    for (const t of END_OF_TURN_TOKENS) {
      const id = addedByContent.get(t);
      if (id != null && !stops.includes(id)) stops.push(id);
    }
    this.stopIds = stops;

    const bosStr = tokenString(cfg.bos_token);
    const viaPost = postProcessorAddsBos(files.tokenizerJson, bosStr);
    this.addBosToken = resolveAddBos(files.tokenizerJson, cfg);
    this.prependBos = this.addBosToken && !viaPost && this.bosId != null;

    this.chatTemplate = files.chatTemplate;
    this.template = files.chatTemplate != null ? new ChatTemplate(files.chatTemplate, join(dir, 'tokenizer_config.json')) : null;

    // transformers passes special_tokens_map (None values left out) as template variables.
    const vars: Record<string, unknown> = {};
    for (const k of SPECIAL_TOKEN_KEYS) {
      const s = tokenString(cfg[k]);
      if (s != null) vars[k] = s;
    }
    if (Array.isArray(cfg.additional_special_tokens)) {
      vars.additional_special_tokens = cfg.additional_special_tokens.map((t) => tokenString(t)).filter((t) => t != null);
    }
    this.specialTokenVars = vars;
    this.fast = opts.fastEncode === false ? null : createFastEncoder(this.tok, files.tokenizerJson, cfg);
  }

  get fastEncode(): boolean {
    return this.fast !== null;
  }

  [SOURCE](): TokenizerSource {
    return { dir: this.dir, hash: this.hash, fastEncode: this.fast !== null };
  }

  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    const add = opts.addSpecialTokens ?? true;
    // Training text carries its special tokens in the template's text, so this is the hot path; with special tokens
    // added the post-processor's template applies, which the library does.
    if (!add && this.fast) return this.fast.encode(text);
    const ids = this.tok.encode(text, { add_special_tokens: add }).ids;
    if (add && this.prependBos && ids[0] !== this.bosId) ids.unshift(this.bosId!);
    return ids;
  }

  decode(ids: number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    // The library rejects an empty list; an empty sequence is simply the empty string.
    if (ids.length === 0) return '';
    return this.tok.decode(ids, { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tok.id_to_token(id);
  }

  renderChat(messages: ChatMessage[], opts: RenderOptions = {}): string {
    if (!this.template) {
      throw new LatheError(
        'chat_template_missing',
        `${this.dir}: this tokenizer has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja)`,
        'This looks like a base model: pick a built-in template (ChatML, Alpaca) for the dataset instead of the model template.',
      );
    }
    return this.template.render(messages, this.specialTokenVars, opts);
  }
}

/** What another thread needs to load the same tokenizer: its folder, the hash its files must still have, and its options. */
export interface TokenizerSource {
  dir: string;
  hash: string;
  fastEncode: boolean;
}

/** The source of a tokenizer made by loadTokenizer (null for any other LatheTokenizer, which cannot be reloaded elsewhere). */
export function tokenizerSource(tok: LatheTokenizer): TokenizerSource | null {
  const get = (tok as unknown as Record<symbol, unknown>)[SOURCE];
  return typeof get === 'function' ? (get.call(tok) as TokenizerSource) : null;
}

/** Loads the tokenizer of a model folder (or of a tokenizer-only folder). */
export async function loadTokenizer(dir: string, opts: LoadTokenizerOptions = {}): Promise<LatheTokenizer> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
  } catch (err) {
    throw new LatheError('tokenizer_missing', `${dir}: ${(err as Error).message}`, 'Pass the model folder that holds tokenizer.json.');
  }
  const files = await readTokenizerFiles(dir);
  return new HfTokenizer(dir, files, hashParts(files.bytes), opts);
}
