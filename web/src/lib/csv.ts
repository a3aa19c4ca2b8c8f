// CSV files to and from the API: the import's upload (the file as the body) and downloads of
// exports and error files (fetched with the sign-in token, then saved by the browser).

import { ApiError, getToken } from './api';
import { he } from '../strings';

export interface ImportMapping {
  name: number | null;
  phone: number | null;
  email: number | null;
  notes: number | null;
  status: number | null;
}

export interface CustomerImport {
  id: string;
  status: 'draft' | 'queued' | 'running' | 'done' | 'failed';
  file_name: string;
  encoding: string;
  delimiter: string;
  total_rows: number;
  planned_rows: number;
  processed_rows: number;
  created: number;
  merged: number;
  skipped: number;
  errors: number;
  failure: string | null;
}

export interface ImportPreview {
  import: CustomerImport;
  header: string[];
  mapping: ImportMapping;
  mapping_error: string | null;
  rows: { line: number; cells: string[] }[];
  errors: { line: number; field: string; message: string; raw: string }[];
  error_count: number;
  valid_count: number;
}

export const FIELDS = ['name', 'phone', 'email', 'notes', 'status'] as const;
export const EXPORT_KINDS = ['customers', 'calls', 'whatsapp', 'tasks', 'invoices'] as const;

async function send(path: string, init: RequestInit): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set('authorization', `Bearer ${token}`);
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'network', he.networkError);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string; field?: string };
    throw new ApiError(res.status, body.error ?? 'error', body.message ?? he.genericError, body.field);
  }
  return res;
}

/** Uploads `file` as a new draft import and returns its preview. */
export async function uploadCsv(file: File): Promise<ImportPreview> {
  const res = await send(`/api/crm/imports?file_name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', accept: 'application/json' },
    body: file,
  });
  return (await res.json()) as ImportPreview;
}

/** Fetches the CSV at `path` and hands it to the browser as a download named `fileName`. */
export async function downloadCsv(path: string, fileName: string): Promise<void> {
  const res = await send(path, { headers: { accept: 'text/csv' } });
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
