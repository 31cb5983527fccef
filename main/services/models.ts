// Model handlers: inspect a local Hugging Face model folder (no engine needed: config.json, safetensors headers, tokenizer files).
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { LatheError } from '../api/errors';
import type { MethodOutput, MethodParsedInput } from '../api/contract';
import { readModelDir } from '../models/model-dir';

export const modelHandlers = {
  'models.inspect': async (args: MethodParsedInput<'models.inspect'>): Promise<MethodOutput<'models.inspect'>> => {
    if (!isAbsolute(args.path)) throw new LatheError('models.relativePath', `"${args.path}" is not an absolute path.`, 'Give the full path of the model folder, e.g. /home/me/models/SmolLM2-135M.');
    const dir = resolve(args.path);
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      throw new LatheError('models.notFound', `No folder at ${dir}.`, 'Check the path; the folder must hold config.json and *.safetensors.');
    }
    if (!isDir) throw new LatheError('models.notFolder', `${dir} is a file, not a model folder.`, 'Pick the folder that holds config.json.');
    return readModelDir(dir);
  },
};
