// Web mode has no file paths: a picked or dropped file is streamed to the server's POST /upload, which returns an upload
// id. XMLHttpRequest rather than fetch: it reports upload progress, and a cancel stops the transfer (the server then
// removes the partial file).
export interface Uploaded {
  uploadId: string;
  name: string;
  bytes: number;
}

type UploadError = Error & { code: string; hint?: string };

function token(): string {
  try {
    return sessionStorage.getItem('lathe.token') ?? '';
  } catch {
    return '';
  }
}

const failure = (message: string, code: string, hint?: string): UploadError => Object.assign(new Error(message), { code, hint });

export function uploadFile(file: File, opts: { signal?: AbortSignal; onProgress?: (sent: number, total: number) => void } = {}): Promise<Uploaded> {
  const url = `/upload?token=${encodeURIComponent(token())}&name=${encodeURIComponent(file.name)}`;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(failure(`The upload of ${file.name} was cancelled.`, 'upload.cancelled'));
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.upload.onprogress = (e) => opts.onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: (Uploaded & { error?: { code: string; message: string; hint?: string } }) | null = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 200 && body && !body.error) return resolve(body);
      reject(failure(body?.error?.message ?? `Upload failed (HTTP ${xhr.status}).`, body?.error?.code ?? 'upload.failed', body?.error?.hint));
    };
    xhr.onerror = () => reject(failure(`The upload of ${file.name} failed: the connection to Lathe was lost.`, 'upload.failed', 'Check that Lathe is still running, then pick the file again.'));
    xhr.onabort = () => reject(failure(`The upload of ${file.name} was cancelled.`, 'upload.cancelled'));
    opts.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
