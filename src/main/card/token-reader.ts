import { existsSync } from 'node:fs'
import * as pkcs11js from 'pkcs11js'
import { AppError } from '../../shared/errors'

// Reads the public side of a card through its PKCS#11 module: token identity and certificates.
// No login, no PIN. The module is loaded, used and finalized per call so that a card swap or a
// changed module path never leaves stale state behind (and HiCOS tolerates re-initialization).

export interface TokenCertificate {
  id: string // CKA_ID as hex
  label: string
  der: Buffer
}

export interface TokenContents {
  module: string
  slotId: string
  tokenLabel: string
  tokenSerial: string
  certificates: TokenCertificate[]
}

export function firstExistingModule(candidates: string[]): string | null {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate
  return null
}

function bufferAttr(p11: pkcs11js.PKCS11, session: Buffer, handle: Buffer, type: number): Buffer {
  const [attr] = p11.C_GetAttributeValue(session, handle, [{ type }])
  const value = attr?.value
  return Buffer.isBuffer(value) ? value : Buffer.alloc(0)
}

export async function readTokenContents(module: string): Promise<TokenContents> {
  if (!existsSync(module)) throw new AppError('MODULE_MISSING', module)
  const p11 = new pkcs11js.PKCS11()
  try {
    p11.load(module)
  } catch (err) {
    throw new AppError('MODULE_MISSING', `${module}: ${(err as Error).message}`, { cause: err })
  }
  try {
    p11.C_Initialize()
    const slots = p11.C_GetSlotList(true)
    const slot = slots[0]
    if (!slot) throw new AppError('TOKEN_NOT_FOUND', module)
    const info = p11.C_GetTokenInfo(slot)
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION)
    try {
      p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }])
      const handles = p11.C_FindObjects(session, 16)
      p11.C_FindObjectsFinal(session)
      const certificates = handles.map((h) => ({
        id: bufferAttr(p11, session, h, pkcs11js.CKA_ID).toString('hex'),
        label: bufferAttr(p11, session, h, pkcs11js.CKA_LABEL).toString('utf8'),
        der: bufferAttr(p11, session, h, pkcs11js.CKA_VALUE)
      }))
      return {
        module,
        slotId: slot.toString('hex'),
        tokenLabel: info.label.trim(),
        tokenSerial: info.serialNumber.trim(),
        certificates
      }
    } finally {
      p11.C_CloseSession(session)
    }
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('TOKEN_NOT_FOUND', (err as Error).message, { cause: err })
  } finally {
    try {
      p11.C_Finalize()
    } catch {
      // not initialized: nothing to release
    }
    p11.close()
  }
}
