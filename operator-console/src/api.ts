import { z } from 'zod';
import { WireError } from '@madoguchi/protocol';

/** REST calls of the console: the staff token in the header, answers checked against protocol/ (a console never renders a shape it did not expect). */

export class ApiError extends Error {
  readonly status: number;
  /** What the server said it refused (its error body's message), to show an admin who sent it; null without one. */
  readonly serverMessage: string | null;
  constructor(status: number, message: string, serverMessage: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

const ErrorBody = z.object({ error: WireError });

/** Query string of the set values only (empty strings are "no filter"). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function request<T>(token: string, path: string, schema: z.ZodType<T>, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}) },
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const failure = ErrorBody.safeParse(body);
    if (!failure.success) throw new ApiError(response.status, `HTTP ${response.status}`);
    const { code, message } = failure.data.error;
    throw new ApiError(response.status, `${code}: ${message}`, message);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(response.status, `unexpected answer from ${path}`);
  return parsed.data;
}

/** Download a file the API serves (the CSV export) under the name the server gives it. */
export async function download(token: string, path: string): Promise<void> {
  const response = await fetch(`/api${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`);
  const disposition = response.headers.get('content-disposition') ?? '';
  const encoded = /filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1];
  const name = encoded ? decodeURIComponent(encoded) : 'records.csv';
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
