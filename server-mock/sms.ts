// SMS "gateway": appends every message to a JSON-lines outbox file in the data directory.
import { appendFileSync, existsSync, readFileSync } from 'node:fs'

export interface SmsMessage {
  at: string
  mobile: string
  code: string
  registrationId: string
  text: string
}

export class SmsOutbox {
  constructor(readonly path: string) {}

  send(message: SmsMessage): void {
    appendFileSync(this.path, `${JSON.stringify(message)}\n`)
  }

  read(): SmsMessage[] {
    if (!existsSync(this.path)) return []
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as SmsMessage)
  }
}
