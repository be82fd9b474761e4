import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, fetchDeviceProfile } from '../src/api.ts';
import { extractToken, pairingCodeIn } from '../src/pairingToken.ts';

const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZXZpY2UtMSIsImtpbmQiOiJkZXZpY2UifQ.c2lnbmF0dXJlLV9fLTEyMw';

describe('the pairing code a clerk types', () => {
  it('is eight digits, also typed with a space or a hyphen as the console shows it', () => {
    expect(pairingCodeIn('12345678')).toBe('12345678');
    expect(pairingCodeIn(' 1234 5678 ')).toBe('12345678');
    expect(pairingCodeIn('1234-5678')).toBe('12345678');
  });

  it('is no code otherwise (the text is then taken for a token)', () => {
    for (const text of ['1234567', '123456789', '1234５678', 'abcd5678', '', TOKEN]) expect(pairingCodeIn(text)).toBeNull();
  });
});

describe('the device token a clerk pastes', () => {
  it('is found in a whole line of the tokens file, with the site and tablet names around it', () => {
    expect(extractToken(`清滝郵便局\t清滝郵便局 タブレット1\t${TOKEN}\n`)).toBe(TOKEN);
    expect(extractToken(`清滝郵便局 タブレット1 ${TOKEN}（最初の1回だけ）`)).toBe(TOKEN);
  });

  it('is the token itself, trimmed, when only the token was pasted', () => {
    expect(extractToken(`  ${TOKEN}\n`)).toBe(TOKEN);
  });

  it('is the text as typed when nothing in it looks like a token (the server says it is not valid)', () => {
    expect(extractToken('  abc123 ')).toBe('abc123');
    expect(extractToken('清滝郵便局')).toBe('清滝郵便局');
  });
});

describe('the Authorization header', () => {
  const fetch = vi.fn(async () => Response.json({ error: { code: 'UNAUTHORIZED', message: 'invalid token' } }, { status: 401 }));
  vi.stubGlobal('fetch', fetch);
  afterEach(() => fetch.mockClear());

  it('is never sent with characters a browser refuses: such a text is refused as no token, not as a network failure', async () => {
    const refused = fetchDeviceProfile(`清滝郵便局 ${TOKEN}`);
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({ status: 401, unauthorized: true });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('carries a token as a bearer token', async () => {
    await expect(fetchDeviceProfile(TOKEN)).rejects.toMatchObject({ status: 401 });
    expect(fetch).toHaveBeenCalledWith('/api/device/me', expect.objectContaining({ headers: expect.objectContaining({ Authorization: `Bearer ${TOKEN}` }) }));
  });
});
