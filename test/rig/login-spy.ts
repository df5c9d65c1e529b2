import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SOFTHSM_MODULE } from './softhsm'

// Counts the C_Login calls that reach the token, through OpenSC's pkcs11-spy: the app loads the
// spy as its PKCS#11 module, the spy forwards every call to SoftHSM and logs it. Counting in the
// log, not in our code, shows what actually reached the module.

export const PKCS11_SPY = '/usr/lib/x86_64-linux-gnu/pkcs11-spy.so'

export interface LoginSpy {
  /** The module path to give the app (the spy). */
  module: string
  /** Environment the spy reads when it is loaded. */
  env: { PKCS11SPY: string; PKCS11SPY_OUTPUT: string }
  /** C_Login calls logged so far. */
  logins(): number
}

export function loginSpy(dir: string, real: string = SOFTHSM_MODULE): LoginSpy {
  const log = join(dir, 'pkcs11-spy.log')
  return {
    module: PKCS11_SPY,
    env: { PKCS11SPY: real, PKCS11SPY_OUTPUT: log },
    logins: () => (existsSync(log) ? (readFileSync(log, 'latin1').match(/^\d+: C_Login$/gm) ?? []).length : 0)
  }
}
