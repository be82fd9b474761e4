import { WireError, type ErrorCode } from '@madoguchi/protocol';

/** A failed API call, with the server's error code when it sent one. */
export class ApiError extends Error {
  readonly code: ErrorCode | 'NETWORK';
  constructor(code: ErrorCode | 'NETWORK', message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Call the REST API as the logged-in staff member and check the answer against the protocol's
 * schema: a console never renders a shape it did not expect.
 */
export async function callApi<T>(
  token: string,
  path: string,
  schema: { parse(value: unknown): T },
  init: { method?: 'GET' | 'PATCH' | 'PUT' | 'POST'; body?: unknown } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
  } catch (error) {
    throw new ApiError('NETWORK', error instanceof Error ? error.message : String(error));
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const wire = WireError.safeParse((body as { error?: unknown } | null)?.error);
    throw new ApiError(wire.success ? wire.data.code : 'INTERNAL', wire.success ? wire.data.message : `HTTP ${response.status}`);
  }
  return schema.parse(body);
}
