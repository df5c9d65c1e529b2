import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configFromEnv } from '../../src/main/config'
import { createAppCore } from '../../src/main/core/app-core'
import { ipcContract, type IpcChannel } from '../../src/shared/ipc-contract'
import { isErrorCode } from '../../src/shared/errors'
import { createRng } from '../../server-mock/seed'

// Every channel of the contract gets 10 000 random and malformed payloads through the real core's
// dispatcher: each must come back as a typed INVALID_REQUEST, no handler may run, nothing may throw.

const PER_CHANNEL = 10_000

/** Seeded PRNG (server-mock's mulberry32) so a failure is reproducible from the printed seed. */
const rng = createRng

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${7*7}',
  '%00',
  '\uD800',
  'é'.repeat(5000),
  '123456',
  'A123456789',
  '=cmd|/c calc!A1'
]
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'then', '', 'pin', 'x'.repeat(300)]

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * 14)
  switch (pick) {
    case 0:
      return null
    case 1:
      return undefined
    case 2:
      return r() < 0.5
    case 3:
      return Math.floor(r() * 2 ** 53) * (r() < 0.5 ? -1 : 1)
    case 4:
      return [NaN, Infinity, -Infinity, -0, 1e308, 5e-324][Math.floor(r() * 6)]
    case 5:
      return NASTY_STRINGS[Math.floor(r() * NASTY_STRINGS.length)]
    case 6:
      return Math.random()
        .toString(36)
        .repeat(1 + Math.floor(r() * 50))
    case 7:
      return BigInt(Math.floor(r() * 1000))
    case 8:
      return Symbol('s')
    case 9:
      return () => 1
    case 10:
      return new Date(Math.floor(r() * 4e12))
    case 11:
      return depth > 3 ? 'deep' : Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1))
    default: {
      if (depth > 3) return {}
      const o: Record<string, unknown> = {}
      const n = 1 + Math.floor(r() * 4)
      for (let i = 0; i < n; i++) {
        const key = r() < 0.4 ? (NASTY_KEYS[Math.floor(r() * NASTY_KEYS.length)] ?? 'k') : `k${Math.floor(r() * 20)}`
        Object.defineProperty(o, key, {
          value: randomValue(r, depth + 1),
          enumerable: true,
          configurable: true,
          writable: true
        })
      }
      return o
    }
  }
}

/** Mutates a payload that *would* be valid-shaped: known keys with wrong types, extra keys. */
function malformedFor(channel: IpcChannel, r: () => number): unknown {
  const shape = (ipcContract[channel].request as unknown as { shape?: Record<string, unknown> }).shape ?? {}
  const keys = Object.keys(shape)
  const o: Record<string, unknown> = {}
  for (const k of keys) o[k] = randomValue(r)
  if (keys.length === 0 || r() < 0.5) o[`extra_${Math.floor(r() * 100)}`] = randomValue(r)
  return o
}

const resources = join(__dirname, '../../resources')
const core = createAppCore(configFromEnv({}, { version: '0.0.0-test', resourcesDir: resources }), 'web')

describe('IPC fuzz', () => {
  for (const channel of Object.keys(ipcContract) as IpcChannel[]) {
    it(`${channel}: ${PER_CHANNEL} malformed payloads are all refused with a typed error`, async () => {
      const seed = 0x5eed ^ channel.length
      const r = rng(seed)
      let tested = 0
      let attempts = 0
      while (tested < PER_CHANNEL && attempts < PER_CHANNEL * 3) {
        attempts++
        const payload = r() < 0.5 ? randomValue(r) : malformedFor(channel, r)
        // Only payloads the contract itself refuses count (a random one may happen to be valid).
        if (payload !== undefined && ipcContract[channel].request.safeParse(payload).success) continue
        if (payload === undefined) continue
        tested++
        const result = await core.dispatch(channel, payload)
        if (result.ok || result.error.code !== 'INVALID_REQUEST' || !isErrorCode(result.error.code)) {
          throw new Error(
            `seed ${seed}, case ${tested}: ${channel} accepted or mis-typed a malformed payload: ${JSON.stringify(result)}`
          )
        }
      }
      expect(tested).toBe(PER_CHANNEL)
    })
  }

  it('unknown and hostile channel names are refused with a typed error', async () => {
    const r = rng(42)
    for (let i = 0; i < 2000; i++) {
      const channel = randomValue(r)
      if (typeof channel === 'string' && Object.hasOwn(ipcContract, channel)) continue
      const result = await core.dispatch(channel, randomValue(r))
      expect(result).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', retriable: false } })
    }
  })
})
