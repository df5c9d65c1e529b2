// One typed error vocabulary for main, preload, renderer and CLI. `retriable` tells the UI whether
// offering "try again" makes sense; messages exist in both UI languages.
export const ErrorCodes = {
  INVALID_REQUEST: { retriable: false, zh: '請求格式不正確。', en: 'The request is malformed.' },
  UNKNOWN_CHANNEL: { retriable: false, zh: '不支援的操作。', en: 'Unsupported operation.' },
  FORBIDDEN_SENDER: { retriable: false, zh: '拒絕來自未授權頁面的請求。', en: 'Request from an unauthorised page was refused.' },
  INTERNAL: { retriable: true, zh: '程式發生未預期的錯誤，請重試。', en: 'An unexpected error occurred; please try again.' },
  PCSC_UNAVAILABLE: {
    retriable: true,
    zh: '智慧卡服務 (PC/SC) 未執行。',
    en: 'The smart-card service (PC/SC) is not running.'
  },
  NO_READER: { retriable: true, zh: '未偵測到讀卡機，請連接讀卡機。', en: 'No card reader found; please connect one.' },
  NO_CARD: { retriable: true, zh: '請插入自然人憑證。', en: 'Please insert your citizen digital certificate card.' },
  UNSUPPORTED_CARD: { retriable: false, zh: '無法識別此卡片，請確認插入的是自然人憑證。', en: 'This card is not recognised as a citizen digital certificate.' },
  MODULE_MISSING: { retriable: false, zh: '找不到憑證元件 (PKCS#11 模組)，請安裝 HiCOS 卡片管理工具。', en: 'The PKCS#11 module was not found; please install the HiCOS card client.' },
  TOKEN_NOT_FOUND: { retriable: true, zh: '讀取卡片失敗，請重新插入自然人憑證。', en: 'The card could not be read; please re-insert it.' },
  CERTIFICATE_NOT_FOUND: { retriable: false, zh: '卡片中找不到簽章憑證。', en: 'No signing certificate was found on the card.' },
  CHAIN_INVALID: { retriable: false, zh: '憑證無法驗證 (過期、未生效、已廢止或非受信任的發行者)。', en: 'The certificate could not be validated (expired, not yet valid, revoked or untrusted issuer).' },
  CARD_BUSY: { retriable: true, zh: '卡片正在處理其他作業，請稍候。', en: 'The card is busy with another operation; please wait.' },
  CARD_REMOVED: { retriable: true, zh: '作業中卡片被移除，請重新插入後再試。', en: 'The card was removed during the operation; re-insert it and try again.' },
  NETWORK_UNREACHABLE: { retriable: true, zh: '無法連線到平台，請檢查網路。', en: 'The platform cannot be reached; check your network.' },
  TLS_UNTRUSTED: { retriable: false, zh: '平台的安全憑證不受信任，已停止連線。', en: "The platform's TLS certificate is not trusted; the connection was stopped." },
  SERVER_RESPONSE_INVALID: { retriable: true, zh: '平台回應格式不正確。', en: 'The platform sent an invalid response.' }
} as const satisfies Record<string, { retriable: boolean; zh: string; en: string }>

export type ErrorCode = keyof typeof ErrorCodes

/** What crosses IPC: plain data, no stack, no secrets. */
export interface AppErrorPayload {
  code: ErrorCode
  retriable: boolean
  /** Optional non-secret detail for diagnostics (file name, reader name, HTTP status). */
  detail?: string
}

export class AppError extends Error {
  readonly code: ErrorCode
  readonly detail: string | undefined
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${code}: ${detail}` : code, options)
    this.name = 'AppError'
    this.code = code
    this.detail = detail
  }
  get retriable(): boolean {
    return ErrorCodes[this.code].retriable
  }
  toPayload(): AppErrorPayload {
    return this.detail === undefined
      ? { code: this.code, retriable: this.retriable }
      : { code: this.code, retriable: this.retriable, detail: this.detail }
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value)
}

export function errorMessage(code: ErrorCode, locale: 'zh-TW' | 'en'): string {
  return locale === 'en' ? ErrorCodes[code].en : ErrorCodes[code].zh
}
