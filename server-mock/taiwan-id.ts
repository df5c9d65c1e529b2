// Taiwan national ID (身分證統一編號): letter + 1/2 + 8 digits with a weighted checksum.
// Independent of the client's and the test rig's implementations on purpose.

const LETTER_CODES = 'ABCDEFGHJKLMNPQRSTUVXYWZIO'

function letterValue(letter: string): number | null {
  const i = LETTER_CODES.indexOf(letter)
  return i < 0 ? null : i + 10
}

function weightedSum(id: string): number | null {
  const v = letterValue(id.charAt(0))
  if (v === null) return null
  let sum = Math.floor(v / 10) + (v % 10) * 9
  for (let i = 1; i <= 8; i++) sum += Number(id.charAt(i)) * (9 - i)
  return sum + Number(id.charAt(9))
}

export function isValidNationalId(id: string): boolean {
  if (!/^[A-Z][12][0-9]{8}$/.test(id)) return false
  const sum = weightedSum(id)
  return sum !== null && sum % 10 === 0
}

/** Completes a 9-character prefix (letter + 8 digits) with its check digit. */
export function completeNationalId(first9: string): string {
  const sum = weightedSum(`${first9}0`)
  if (sum === null) throw new Error(`bad national ID prefix ${first9}`)
  return `${first9}${(10 - (sum % 10)) % 10}`
}

export function maskNationalId(id: string): string {
  return `${id.slice(0, 3)}****${id.slice(-3)}`
}
