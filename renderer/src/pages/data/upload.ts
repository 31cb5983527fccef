// Web mode has no file paths: a picked or dropped file is streamed to the server's POST /upload, which returns an upload id.
export interface Uploaded {
  uploadId: string;
  name: string;
  bytes: number;
}

function token(): string {
  try {
    return sessionStorage.getItem('lathe.token') ?? '';
  } catch {
    return '';
  }
}

export async function uploadFile(file: File): Promise<Uploaded> {
  const url = `/upload?token=${encodeURIComponent(token())}&name=${encodeURIComponent(file.name)}`;
  const res = await fetch(url, { method: 'POST', body: file });
  const body = (await res.json().catch(() => null)) as (Uploaded & { error?: { code: string; message: string; hint?: string } }) | null;
  if (!res.ok || !body || body.error) {
    throw Object.assign(new Error(body?.error?.message ?? `Upload failed (HTTP ${res.status}).`), { code: body?.error?.code ?? 'upload.failed', hint: body?.error?.hint });
  }
  return body;
}
