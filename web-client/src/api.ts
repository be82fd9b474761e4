import {
  DepartmentsResponse,
  DeviceProfile,
  PairByCodeResponse,
  Reservation,
  ReservationOptions,
  StillUploadResponse,
  type BookingRequest,
  type StillInfo,
  type KioskDepartment,
  type DeviceProfile as DeviceProfileType,
} from '@madoguchi/protocol';

/** The part of a zod schema used here (the protocol's schemas validate responses at the boundary). */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/** A failed REST call. status 0: the server could not be reached (or answered nonsense). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  get unauthorized(): boolean {
    return this.status === 401 || this.code === 'UNAUTHORIZED';
  }

  /** The server is up but cannot answer now (its database is busy): the token may well be fine. */
  get unavailable(): boolean {
    return this.status === 503 || this.code === 'UNAVAILABLE';
  }
}

/** Characters a token may have: printable ASCII. */
const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;

/**
 * The Authorization header of a device token. The browser refuses to send a header with other
 * characters (a pasted site name) and the request fails as if the server were unreachable; such
 * a text is no token, so it is refused as the server would refuse it.
 */
function authorization(token: string): string {
  if (!TOKEN_CHARACTERS.test(token)) throw new ApiError(401, 'UNAUTHORIZED', 'a device token is printable ASCII');
  return `Bearer ${token}`;
}

/**
 * One REST call: the JSON answer checked against `schema`. A request that never got an answer is
 * an ApiError with status 0, so the caller can tell "unreachable" from the server's refusal.
 */
async function send<T>(path: string, init: RequestInit, schema: Schema<T>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init.headers }, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error));
  }
  return parseResponse(response, path.split('?')[0]!, schema);
}

async function getJson<T>(path: string, token: string, schema: Schema<T>): Promise<T> {
  return send(path, { headers: { Authorization: authorization(token) } }, schema);
}

/** A response's JSON body checked against its schema; an error body becomes an ApiError. */
async function parseResponse<T>(response: Response, path: string, schema: Schema<T>): Promise<T> {
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const wire = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    throw new ApiError(
      response.status,
      typeof wire?.code === 'string' ? wire.code : `HTTP_${response.status}`,
      typeof wire?.message === 'string' ? wire.message : response.statusText,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(0, 'BAD_RESPONSE', `unexpected response from ${path}`);
  return parsed.data;
}

/** The tablet's token for a one-time pairing code the admin issued (no token is needed to ask). */
export async function redeemPairingCode(code: string): Promise<string> {
  const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code }) };
  return (await send('/api/devices/pair', init, PairByCodeResponse)).token;
}

export function fetchDeviceProfile(token: string): Promise<DeviceProfileType> {
  return getJson('/api/device/me', token, DeviceProfile);
}

export async function fetchDepartments(token: string): Promise<KioskDepartment[]> {
  return (await getJson('/api/departments', token, DepartmentsResponse)).departments;
}

/** Upload the still the operator asked for (raw image body; the server checks it against the request). */
export async function uploadStill(token: string, consultationId: string, requestId: string, image: Blob): Promise<StillInfo> {
  const query = new URLSearchParams({ consultationId, requestId });
  const init = { method: 'POST', headers: { Authorization: authorization(token), 'Content-Type': image.type }, body: image };
  return (await send(`/api/stills?${query}`, init, StillUploadResponse)).still;
}


/** The clerk's booking form: the day's slots of a department (with places free), its 相談種別 and operators. */
export function fetchReservationOptions(token: string, departmentId: string, date: string): Promise<ReservationOptions> {
  return getJson(`/api/reservations/options?${new URLSearchParams({ departmentId, date })}`, token, ReservationOptions);
}

/** Book a slot for a resident at this tablet's site; 409 CONFLICT when the slot filled up meanwhile. */
export function bookReservation(token: string, request: BookingRequest): Promise<Reservation> {
  const init = { method: 'POST', headers: { Authorization: authorization(token), 'Content-Type': 'application/json' }, body: JSON.stringify(request) };
  return send('/api/reservations', init, Reservation);
}

/** The file of a document sent in this tablet's call (GET /api/documents/sent/:id), as bytes. */
export async function fetchSentDocument(token: string, documentId: string): Promise<ArrayBuffer> {
  let response: Response;
  try {
    response = await fetch(`/api/documents/sent/${encodeURIComponent(documentId)}`, { headers: { Authorization: authorization(token) }, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, response.statusText);
  return response.arrayBuffer();
}

/** The filled form to check, before the signature (GET /api/forms/:id/filled). */
export async function fetchFilledForm(token: string, formId: string): Promise<ArrayBuffer> {
  const response = await fetch(`/api/forms/${encodeURIComponent(formId)}/filled`, { headers: { Authorization: authorization(token) }, cache: 'no-store' }).catch((error: unknown) => {
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error));
  });
  if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, response.statusText);
  return response.arrayBuffer();
}

/** The resident's signature (PNG) for a form of this tablet's call. */
export async function sendSignature(token: string, formId: string, signature: Blob): Promise<void> {
  const init = { method: 'POST', headers: { Authorization: authorization(token), 'Content-Type': 'image/png' }, body: signature };
  await send(`/api/forms/${encodeURIComponent(formId)}/signature`, init, { safeParse: (value: unknown) => ({ success: true as const, data: value }) });
}

/** A signed form of this tablet's call, to print it at the booth (GET /api/forms/:id/signed). */
export async function fetchSignedForm(token: string, formId: string): Promise<ArrayBuffer> {
  const response = await fetch(`/api/forms/${encodeURIComponent(formId)}/signed`, { headers: { Authorization: authorization(token) }, cache: 'no-store' }).catch((error: unknown) => {
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error));
  });
  if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, response.statusText);
  return response.arrayBuffer();
}
