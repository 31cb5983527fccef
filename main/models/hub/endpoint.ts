// Where the Hugging Face Hub is (HF_ENDPOINT, as huggingface_hub reads it) and which repo ids and revisions are valid.
import { LatheError } from '../../api/errors';

export const DEFAULT_HUB = 'https://huggingface.co';

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT || DEFAULT_HUB).replace(/\/+$/, '');
}

/** "owner/name" as the hub allows it. */
export const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** Splits "owner/name@rev" (rev defaults to main) and checks both parts. */
export function parseRepoRef(ref: string): { repo: string; revision: string } {
  const at = ref.indexOf('@');
  const repo = at < 0 ? ref : ref.slice(0, at);
  const revision = at < 0 ? 'main' : ref.slice(at + 1);
  if (!REPO_ID.test(repo) || repo.includes('..')) {
    throw new LatheError('hub.badRepo', `"${repo}" is not a Hugging Face repo id.`, 'Write it as owner/name, e.g. HuggingFaceTB/SmolLM2-135M-Instruct (optionally @revision).');
  }
  if (!revision || revision.length > 200 || /[\0\s]/.test(revision) || revision.split('/').includes('..')) {
    throw new LatheError('hub.badRevision', `"${revision}" is not a valid revision.`, 'Use a branch, a tag or a commit hash, e.g. @main.');
  }
  return { repo, revision };
}

/** The page where a user requests access to a gated repo. */
export function repoPage(endpoint: string, repo: string): string {
  return `${endpoint}/${repo}`;
}
