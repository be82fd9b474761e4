/**
 * Password hashing with node:crypto scrypt.
 *
 * Encoded form: `scrypt$N$r$p$salt$hash` — N, r, p decimal; salt and hash base64url
 * (16-byte random salt, 32-byte key). Parameters travel with the hash so they can be
 * raised later without invalidating stored hashes.
 */
import { randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// OWASP Password Storage Cheat Sheet minimum for scrypt: N=2^17, r=8, p=1
// (128 MiB and roughly 0.3–0.8 s per hash on a 2-core machine).
const N = 1 << 17;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const maxmem = (n: number, r: number, p: number) => 128 * n * r * (p + 2) + 1024 * 1024;

export async function hashPassword(plain: string): Promise<string> {
  if (typeof plain !== 'string' || plain.length === 0) throw new Error('hashPassword: empty password');
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(plain.normalize('NFKC'), salt, KEY_BYTES, { N, r: R, p: P, maxmem: maxmem(N, R, P) });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * True when `plain` matches `encoded`. A malformed or tampered encoding (bad
 * prefix, out-of-range parameters, bad base64) gives false, never an exception.
 */
export async function verifyPassword(plain: string, encoded: string): Promise<boolean> {
  if (typeof plain !== 'string' || typeof encoded !== 'string') return false;
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, nS, rS, pS, saltS, hashS] = parts as [string, string, string, string, string, string];
  if (!/^\d{1,8}$/.test(nS) || !/^\d{1,3}$/.test(rS) || !/^\d{1,3}$/.test(pS)) return false;
  const n = Number(nS);
  const r = Number(rS);
  const p = Number(pS);
  // Bounds keep a hostile hash from making us burn memory/CPU.
  if (n < 2 || n > 1 << 20 || (n & (n - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  if (!B64URL.test(saltS) || !B64URL.test(hashS)) return false;
  const salt = Buffer.from(saltS, 'base64url');
  const expected = Buffer.from(hashS, 'base64url');
  // Exact key length: scrypt output for a shorter keylen is a prefix of the longer
  // one, so accepting any length would let a truncated hash verify.
  if (salt.length < SALT_BYTES || expected.length !== KEY_BYTES) return false;
  let actual: Buffer;
  try {
    actual = await scrypt(plain.normalize('NFKC'), salt, expected.length, { N: n, r, p, maxmem: maxmem(n, r, p) });
  } catch {
    return false;
  }
  return timingSafeEqual(actual, expected);
}

const READABLE = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

/** A random password easy to read aloud and type: `xxxx-xxxx-xxxx` (~59 bits). */
export function generateReadablePassword(groups = 3, groupLength = 4): string {
  const out: string[] = [];
  for (let g = 0; g < groups; g++) {
    let s = '';
    for (let i = 0; i < groupLength; i++) s += READABLE[randomInt(READABLE.length)];
    out.push(s);
  }
  return out.join('-');
}
