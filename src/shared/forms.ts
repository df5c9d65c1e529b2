import { z } from 'zod'

// Field rules shared by the IPC contract (main validates) and the forms (renderer checks live).

/** Card PIN: 6–8 digits. Only ever travels renderer → main in a request field; never echoed. */
export const Pin = z.string().regex(/^\d{6,8}$/)

export const NationalId = z.string().regex(/^[A-Z][12][0-9]{8}$/)
export const Mobile = z.string().regex(/^09[0-9]{8}$/)
export const Account = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{3,29}$/)
export const Email = z.string().email().max(254)
export const Phone = z.string().regex(/^[0-9+()# -]{6,25}$/)
export const SmsCode = z.string().regex(/^[0-9]{6}$/)

// The live checks (no zod, so the renderer bundle does not carry it) live in form-rules.ts.
export { isStrongPassword, isValidNationalId, maskNationalId, passwordRules } from './form-rules'
