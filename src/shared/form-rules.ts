// Field checks the forms run live on every keystroke. Deliberately free of zod: the renderer
// imports only this file, and forms.ts (the IPC schemas main validates with) re-exports it.

/** The Single Window password rule, one flag per rule so the form can tick them live. */
export function passwordRules(password: string): { length: boolean; digit: boolean; upper: boolean; lower: boolean } {
  return {
    length: password.length >= 8,
    digit: /[0-9]/.test(password),
    upper: /[A-Z]/.test(password),
    lower: /[a-z]/.test(password)
  }
}

export function isStrongPassword(password: string): boolean {
  return Object.values(passwordRules(password)).every(Boolean)
}

const LETTER_VALUES = 'ABCDEFGHJKLMNPQRSTUVXYWZIO'

/** Taiwan national ID checksum (letter → 10..35, weights 1 9 8 7 6 5 4 3 2 1 1). */
export function isValidNationalId(id: string): boolean {
  if (!/^[A-Z][12][0-9]{8}$/.test(id)) return false
  const code = LETTER_VALUES.indexOf(id[0] ?? '') + 10
  const digits = [Math.floor(code / 10), code % 10, ...id.slice(1).split('').map(Number)]
  const weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
  return digits.reduce((sum, d, i) => sum + d * (weights[i] ?? 0), 0) % 10 === 0
}

/** Masks a national ID for logs and screens: A123456789 → A12****789. */
export function maskNationalId(id: string): string {
  return id.length === 10 ? `${id.slice(0, 3)}****${id.slice(7)}` : '****'
}
