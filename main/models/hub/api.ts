// The hub's model-info endpoint: the commit a revision points at, and its files with sizes, LFS sha256 and git blob ids.
import { LatheError } from '../../api/errors';
import { repoPage } from './endpoint';

export interface HubFile {
  name: string;
  size: number;
  /** LFS files (weights): the sha256 the hub publishes. */
  sha256: string | null;
  /** Plain git files (config, tokenizer): the git blob id, a sha1 of "blob <size>\0<content>". */
  blobId: string | null;
}

export interface HubRepoInfo {
  repo: string;
  commit: string;
  files: HubFile[];
  gated: boolean;
  license: string | null;
}

export interface HubClientOptions {
  endpoint: string;
  token?: string | null;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

export function authHeaders(token: string | null | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** A fetch failure before any answer: the hub cannot be reached (offline, DNS, firewall). */
export function offlineError(endpoint: string, err: unknown): LatheError {
  // undici puts the socket error in `cause` (an AggregateError when several addresses were tried).
  const cause = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? (err as { code?: string }).code ?? '';
  return new LatheError('hub.offline', `Cannot reach the Hugging Face Hub at ${endpoint}${code ? ` (${code})` : ''}${OFFLINE_CODES.has(code) ? ': this machine looks offline' : ''}.`,
    'Check the network connection and try again, or use a model you already have: import its folder, or try the tiny demo model.');
}

/** Turns a hub error status into a message that says what to do (gated and private repos name the access page). */
export function httpError(endpoint: string, repo: string, status: number, what: string, hasToken: boolean): LatheError {
  const page = repoPage(endpoint, repo);
  if (status === 401) {
    return new LatheError('hub.authRequired', `${repo} needs a Hugging Face sign-in: it is gated or private${hasToken ? ', and the saved token was refused' : ''}.`,
      `Request access at ${page}, create a read token at ${endpoint}/settings/tokens, and save it in Lathe (or set HF_TOKEN).`);
  }
  if (status === 403) {
    return new LatheError('hub.gated', `Your Hugging Face token has no access to ${repo} (a gated model).`, `Request access at ${page} and wait for the approval e-mail, then try again.`);
  }
  if (status === 404) {
    return new LatheError('hub.notFound', `${what} was not found on the hub (404).`, `Check the repo id and revision at ${page}.`);
  }
  return new LatheError('hub.http', `The hub answered ${status} for ${what}.`, 'Try again later; if it persists, check the hub status page.');
}

interface Sibling {
  rfilename?: unknown;
  size?: unknown;
  blobId?: unknown;
  lfs?: { sha256?: unknown; size?: unknown } | null;
}

export async function fetchRepoInfo(repo: string, revision: string, opts: HubClientOptions): Promise<HubRepoInfo> {
  const url = `${opts.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(url, { headers: authHeaders(opts.token), signal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) throw new LatheError('cancelled', 'The download was cancelled.');
    throw offlineError(opts.endpoint, err);
  }
  if (!res.ok) throw httpError(opts.endpoint, repo, res.status, `${repo}@${revision}`, !!opts.token);
  const body = (await res.json()) as { sha?: unknown; siblings?: unknown; gated?: unknown; cardData?: { license?: unknown } };
  if (typeof body.sha !== 'string' || !Array.isArray(body.siblings)) {
    throw new LatheError('hub.badAnswer', `The hub's file list for ${repo}@${revision} has no commit or files.`, `Check that ${opts.endpoint} is a Hugging Face Hub (HF_ENDPOINT).`);
  }
  const files: HubFile[] = [];
  for (const s of body.siblings as Sibling[]) {
    if (typeof s.rfilename !== 'string') continue;
    const lfsSha = s.lfs && typeof s.lfs.sha256 === 'string' ? s.lfs.sha256 : null;
    const size = typeof s.lfs?.size === 'number' ? s.lfs.size : typeof s.size === 'number' ? s.size : -1;
    files.push({ name: s.rfilename, size, sha256: lfsSha, blobId: typeof s.blobId === 'string' ? s.blobId : null });
  }
  const license = typeof body.cardData?.license === 'string' ? body.cardData.license : null;
  return { repo, commit: body.sha, files, gated: body.gated !== undefined && body.gated !== false, license };
}
