import { describe, expect, it } from 'vitest';
import { generateReadablePassword, hashPassword, verifyPassword } from '../src/index.ts';

describe('hashPassword / verifyPassword', () => {
  it('encodes scrypt$N$r$p$salt$hash with a random salt', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b); // different salts
  });

  it('accepts the right password, including non-ASCII', async () => {
    expect(await verifyPassword('correct horse', await hashPassword('correct horse'))).toBe(true);
    expect(await verifyPassword('みどり市パスワード', await hashPassword('みどり市パスワード'))).toBe(true);
  });

  it('rejects a wrong password', async () => {
    const h = await hashPassword('correct horse');
    expect(await verifyPassword('correct hors', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
  });

  it('rejects a tampered hash without throwing', async () => {
    const h = await hashPassword('correct horse');
    const parts = h.split('$');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const tampered = [
      [...parts.slice(0, 5), flip(parts[5]!)].join('$'), // hash
      [...parts.slice(0, 4), flip(parts[4]!), parts[5]].join('$'), // salt
      ['scrypt', '65536', ...parts.slice(2)].join('$'), // N
      ['scrypt', parts[1], '4', ...parts.slice(3)].join('$'), // r
      ['scrypt', '131071', ...parts.slice(2)].join('$'), // N not a power of two
      ['scrypt', String(1 << 24), ...parts.slice(2)].join('$'), // N too large (DoS)
      h.replace(/^scrypt/, 'bcrypt'),
      h.slice(0, -4), // truncated hash
      h + '$extra',
      'not-a-hash',
      '',
    ];
    for (const t of tampered) expect(await verifyPassword('correct horse', t), t).toBe(false);
  });

  it('generates readable passwords', () => {
    const p = generateReadablePassword();
    expect(p).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect(p).not.toMatch(/[01ilo]/);
    expect(new Set(Array.from({ length: 50 }, () => generateReadablePassword())).size).toBe(50);
  });
});
