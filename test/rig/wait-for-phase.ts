import type { CardService } from '../../src/main/card/card-service'
import type { CardPhase, CardStatus } from '../../src/shared/card-status'

/** Resolves with the first status in `phase` (now or later); rejects after `timeoutMs`. */
export function waitForPhase(service: CardService, phase: CardPhase, timeoutMs = 8000): Promise<CardStatus> {
  if (service.current().phase === phase) return Promise.resolve(service.current())
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      service.off('status', on)
      reject(new Error(`timed out waiting for ${phase}; last: ${service.current().phase}`))
    }, timeoutMs)
    const on = (s: CardStatus): void => {
      if (s.phase !== phase) return
      clearTimeout(timer)
      service.off('status', on)
      resolve(s)
    }
    service.on('status', on)
  })
}
