// Text rules shared by main, renderer and the IPC contract.

// With the `u` flag a well-formed surrogate pair is one code point (not Cs); only a lone high or
// low surrogate matches \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u

/**
 * True when `text` holds an unpaired UTF-16 surrogate (U+D800–U+DFFF without its partner). Such a
 * string has no UTF-8 form: encoders write U+FFFD instead, so what would be signed differs from
 * what the user typed. Every text that goes into a signed statement is refused when this is true.
 */
export function hasUnpairedSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}
