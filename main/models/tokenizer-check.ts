// Checks a model folder's tokenizer.json before anything trusts it: it must parse, hold a vocabulary, and every token id
// (vocabulary and added tokens) must fit the embedding rows config.json declares.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../api/errors';

const HINT = 'Re-download tokenizer.json from the model\'s repository: it must belong to the same model as config.json.';

/** Largest token id in tokenizer.json, or throws a typed error naming the file and the field. */
export async function checkTokenizerJson(dir: string, vocabSize: number): Promise<{ maxId: number; tokens: number }> {
  const file = join(dir, 'tokenizer.json');
  let tok: { model?: { vocab?: unknown }; added_tokens?: unknown };
  try {
    tok = JSON.parse(await readFile(file, 'utf8')) as typeof tok;
  } catch (err) {
    throw new LatheError('model_tokenizer_invalid', `${file}: ${(err as Error).message}`, HINT);
  }
  if (!tok || typeof tok !== 'object' || !tok.model || typeof tok.model !== 'object') throw new LatheError('model_tokenizer_invalid', `${file}: field "model" is missing or not an object`, HINT);
  const vocab = tok.model.vocab;
  let maxId = -1;
  let tokens = 0;
  const see = (id: unknown, where: string) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new LatheError('model_tokenizer_invalid', `${file}: ${where} has id ${JSON.stringify(id)}, not a non-negative integer`, HINT);
    if (id > maxId) maxId = id;
    tokens++;
  };
  if (Array.isArray(vocab)) vocab.forEach((_, i) => see(i, `model.vocab[${i}]`)); // Unigram: [piece, score] pairs, id = index
  else if (vocab && typeof vocab === 'object') for (const [piece, id] of Object.entries(vocab)) see(id, `model.vocab[${JSON.stringify(piece)}]`);
  else throw new LatheError('model_tokenizer_invalid', `${file}: field "model.vocab" is missing`, HINT);
  if (tok.added_tokens !== undefined) {
    if (!Array.isArray(tok.added_tokens)) throw new LatheError('model_tokenizer_invalid', `${file}: field "added_tokens" is not a list`, HINT);
    tok.added_tokens.forEach((t: { id?: unknown }, i) => see(t?.id, `added_tokens[${i}]`));
  }
  if (!tokens) throw new LatheError('model_tokenizer_invalid', `${file}: the vocabulary is empty`, HINT);
  if (maxId >= vocabSize) {
    throw new LatheError('model_tokenizer_mismatch', `${file}: token id ${maxId} does not fit config.json's vocab_size ${vocabSize} (ids must be below it)`, HINT);
  }
  return { maxId, tokens };
}
