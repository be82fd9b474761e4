import { PublicBooking, PublicBookingInfo, PublicSlots, type PublicBookingKey, type PublicBookingRequest } from '@madoguchi/protocol';
import { ApiError } from '../api.ts';

/**
 * The public booking API (/api/public/booking): no token, same origin. Every answer is checked
 * against the protocol's schema; a refusal is a BookingApiError that keeps the Retry-After the
 * server sent with a 429 or 503.
 */

export class BookingApiError extends ApiError {
  /** Seconds the server asked to wait (Retry-After), or null. */
  readonly retryAfterSeconds: number | null;
  constructor(status: number, code: string, message: string, retryAfterSeconds: number | null = null) {
    super(status, code, message);
    this.name = 'BookingApiError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

const BASE = '/api/public/booking';

function retryAfter(response: Response): number | null {
  const seconds = Number(response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

async function call<T>(path: string, schema: Schema<T>, body?: unknown): Promise<T> {
  const init: RequestInit =
    body === undefined
      ? { headers: { Accept: 'application/json' }, cache: 'no-store' }
      : { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(body), cache: 'no-store' };
  let response: Response;
  try {
    response = await fetch(`${BASE}${path}`, init);
  } catch (error) {
    throw new BookingApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error));
  }
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const wire = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    throw new BookingApiError(
      response.status,
      typeof wire?.code === 'string' ? wire.code : `HTTP_${response.status}`,
      typeof wire?.message === 'string' ? wire.message : response.statusText,
      retryAfter(response),
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BookingApiError(0, 'BAD_RESPONSE', `unexpected response from ${BASE}${path.split('?')[0]}`);
  return parsed.data;
}

/** The city, the departments taking bookings, the places to come to; 404 when public booking is off. */
export function fetchBookingInfo(): Promise<PublicBookingInfo> {
  return call('', PublicBookingInfo);
}

/** A department's slots of a Tokyo day, and its consultation categories. */
export function fetchSlots(departmentId: string, date: string): Promise<PublicSlots> {
  return call(`/slots?${new URLSearchParams({ departmentId, date })}`, PublicSlots);
}

export function bookSlot(request: PublicBookingRequest): Promise<PublicBooking> {
  return call('', PublicBooking, request);
}

export function lookUpBooking(key: PublicBookingKey): Promise<PublicBooking> {
  return call('/lookup', PublicBooking, key);
}

export function cancelBooking(key: PublicBookingKey): Promise<PublicBooking> {
  return call('/cancel', PublicBooking, key);
}

/** Any failure as the booking logic reads it (a thrown non-API error counts as no answer). */
export function failedCall(error: unknown): { status: number; code: string; message: string; retryAfterSeconds: number | null } {
  if (error instanceof BookingApiError) return { status: error.status, code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message, retryAfterSeconds: null };
  return { status: 0, code: 'NETWORK', message: error instanceof Error ? error.message : String(error), retryAfterSeconds: null };
}
