// Password hashing (scrypt) and the Single Window password rule.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'

const N = 16384
const KEYLEN = 32

/** ≥ 8 characters with at least one digit, one upper-case and one lower-case ASCII letter. */
export function passwordRuleViolation(password: string): string | null {
  if (password.length < 8) return 'password must have at least 8 characters'
  if (!/[0-9]/.test(password)) return 'password must contain a digit'
  if (!/[A-Z]/.test(password)) return 'password must contain an upper-case letter'
  if (!/[a-z]/.test(password)) return 'password must contain a lower-case letter'
  return null
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password.normalize('NFC'), salt, KEYLEN, { N })
  return `scrypt$${N}$${salt.toString('base64')}$${hash.toString('base64')}`
}

export function checkPassword(password: string, stored: string): boolean {
  const [scheme, n, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !n || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = scryptSync(password.normalize('NFC'), Buffer.from(salt, 'base64'), expected.length, { N: Number(n) })
  return timingSafeEqual(actual, expected)
}
