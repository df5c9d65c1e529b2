import type { TokenTarget } from './pkcs11-ops'

// What detection hands to the signer about the ready card (types only, shared by card-service,
// card-signer and pin-gate without an import cycle).

/**
 * What the user was shown about the card when the PIN was asked; compared again right before
 * C_Login (issue 14). `generation` changes whenever the card leaves its reader (or its ATR
 * changes), so a removal and re-insertion of the very same card is still noticed.
 */
export interface CardIdentity {
  reader: string
  atr: string
  /** PKCS#11 token serial (CK_TOKEN_INFO.serialNumber). */
  tokenSerial: string
  /** SHA-256 (hex) of the signing certificate's DER. */
  certSha256: string
  generation: number
}

/** What detection learned about the ready card, needed to sign with it. */
export interface SigningToken {
  module: string
  target: TokenTarget
  /** CKA_ID (hex) shared by the signing certificate and its private key. */
  keyId: string
  certificateDer: Buffer
  pinPad: boolean
  pinLocked: boolean
  /** Reader, ATR, token serial, certificate hash and detection generation (card binding). */
  identity: CardIdentity
}
