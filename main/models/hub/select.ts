// Which files of a model repository or folder a training run needs; pickle weights are never fetched or copied.

/** Files at the top of the repo that training, tokenization, chat and the model card need. */
const NEEDED = [
  /^[^/]+\.safetensors$/,
  /^model\.safetensors\.index\.json$/,
  /^config\.json$/,
  /^generation_config\.json$/,
  /^tokenizer\.json$/,
  /^tokenizer_config\.json$/,
  /^special_tokens_map\.json$/,
  /^added_tokens\.json$/,
  /^tokenizer\.model$/,
  /^vocab\.json$/,
  /^merges\.txt$/,
  /^chat_template\.(jinja|json)$/,
  /^README\.md$/i,
  /^(LICEN[CS]E|NOTICE|USE_POLICY)(\.[A-Za-z]+)?$/i,
];

/** Pickle checkpoints: loading one can run code, so Lathe never downloads, copies or reads them. */
export function isPickle(name: string): boolean {
  return /\.(bin|pt|pth|ckpt|pkl|pickle)$/i.test(name);
}

/** True for a file (path relative to the repo root) that a training run needs. Sub-folders are skipped. */
export function isNeededFile(name: string): boolean {
  if (name.includes('/') || name.includes('\\') || isPickle(name)) return false;
  return NEEDED.some((re) => re.test(name));
}
