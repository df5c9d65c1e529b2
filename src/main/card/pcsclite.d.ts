// Type declarations for the `pcsclite` npm module (1.x), which ships none.
// Only the surface the card layer and the test rig use is described.
declare module 'pcsclite' {
  import { type EventEmitter } from 'node:events'

  export interface ReaderStatus {
    state: number
    atr?: Buffer
  }

  export interface ConnectOptions {
    share_mode?: number
    protocol?: number
  }

  export interface CardReader extends EventEmitter {
    readonly name: string
    state: number
    connected: boolean
    readonly SCARD_STATE_UNAWARE: number
    readonly SCARD_STATE_IGNORE: number
    readonly SCARD_STATE_CHANGED: number
    readonly SCARD_STATE_UNKNOWN: number
    readonly SCARD_STATE_UNAVAILABLE: number
    readonly SCARD_STATE_EMPTY: number
    readonly SCARD_STATE_PRESENT: number
    readonly SCARD_STATE_ATRMATCH: number
    readonly SCARD_STATE_EXCLUSIVE: number
    readonly SCARD_STATE_INUSE: number
    readonly SCARD_STATE_MUTE: number
    readonly SCARD_SHARE_EXCLUSIVE: number
    readonly SCARD_SHARE_SHARED: number
    readonly SCARD_SHARE_DIRECT: number
    readonly SCARD_PROTOCOL_T0: number
    readonly SCARD_PROTOCOL_T1: number
    readonly SCARD_PROTOCOL_RAW: number
    readonly SCARD_LEAVE_CARD: number
    readonly SCARD_RESET_CARD: number
    readonly SCARD_UNPOWER_CARD: number
    readonly SCARD_EJECT_CARD: number
    connect(options: ConnectOptions, cb: (err: Error | null, protocol?: number) => void): void
    connect(cb: (err: Error | null, protocol?: number) => void): void
    disconnect(disposition: number, cb: (err: Error | null) => void): void
    disconnect(cb: (err: Error | null) => void): void
    transmit(data: Buffer, resLen: number, protocol: number, cb: (err: Error | null, data?: Buffer) => void): void
    control(data: Buffer, controlCode: number, resLen: number, cb: (err: Error | null, data?: Buffer) => void): void
    SCARD_CTL_CODE(code: number): number
    close(): void
    on(event: 'status', listener: (status: ReaderStatus) => void): this
    on(event: 'end', listener: () => void): this
    on(event: 'error', listener: (err: Error) => void): this
  }

  export interface PCSCLite extends EventEmitter {
    readers: Record<string, CardReader>
    close(): void
    on(event: 'reader', listener: (reader: CardReader) => void): this
    on(event: 'error', listener: (err: Error) => void): this
  }

  function pcsclite(): PCSCLite
  export default pcsclite
}
