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
  SERVER_RESPONSE_INVALID: { retriable: true, zh: '平台回應格式不正確。', en: 'The platform sent an invalid response.' },
  // PIN and card operations (Web eID rules: never retried on the user's behalf)
  PIN_FORMAT: { retriable: false, zh: 'PIN碼須為 6 至 8 位數字。', en: 'The PIN must be 6 to 8 digits.' },
  PIN_INCORRECT: { retriable: false, zh: 'PIN碼錯誤。', en: 'Wrong PIN.' },
  PIN_FINAL_TRY: { retriable: false, zh: 'PIN碼錯誤，再錯一次卡片將被鎖住。', en: 'Wrong PIN; one more wrong PIN will lock the card.' },
  PIN_LOCKED: { retriable: false, zh: '卡片已鎖住，請洽內政部憑證管理中心解鎖。', en: 'The card is locked; contact MOICA to unlock it.' },
  PIN_TIMEOUT: { retriable: true, zh: '等待輸入 PIN碼逾時。', en: 'Timed out waiting for the PIN.' },
  OPERATION_CANCELLED: { retriable: true, zh: '作業已取消。', en: 'The operation was cancelled.' },
  OPERATION_TIMEOUT: { retriable: true, zh: '卡片作業逾時，請重新插入卡片後再試。', en: 'The card operation timed out; re-insert the card and try again.' },
  SIGNING_FAILED: { retriable: true, zh: '卡片簽章失敗。', en: 'The card could not sign.' },
  NOT_READY: { retriable: true, zh: '讀卡機或卡片尚未準備完成。', en: 'The reader or card is not ready.' },
  // Platform (API) outcomes
  NOT_CONFIGURED: { retriable: false, zh: '尚未設定平台位址。', en: 'No platform address is configured.' },
  SESSION_EXPIRED: { retriable: false, zh: '登入逾時，請重新登入。', en: 'Your session has expired; please log in again.' },
  LOGIN_FAILED: { retriable: false, zh: '帳號或密碼錯誤。', en: 'Wrong account or password.' },
  ACCOUNT_LOCKED: { retriable: true, zh: '帳號暫時鎖定，請稍後再試。', en: 'The account is temporarily locked; try again later.' },
  RATE_LIMITED: { retriable: true, zh: '嘗試次數過多，請稍後再試。', en: 'Too many attempts; please wait and try again.' },
  CERTIFICATE_REJECTED: { retriable: false, zh: '平台不接受此憑證。', en: 'The platform rejected the certificate.' },
  CERTIFICATE_NOT_ENABLED: { retriable: false, zh: '此帳號尚未啟用自然人憑證認證，請至用戶資料維護啟用。', en: 'Certificate confirmation is not enabled for this account; enable it in 用戶資料維護.' },
  ALREADY_ANSWERED: { retriable: false, zh: '此筆委任已回覆。', en: 'This delegation has already been answered.' },
  VALIDATION_FAILED: { retriable: false, zh: '輸入資料有誤，請檢查標示的欄位。', en: 'Some fields are invalid; please check them.' },
  SERVER_ERROR: { retriable: true, zh: '平台暫時無法處理，請稍後再試。', en: 'The platform could not process the request; try again later.' },
  // Offline cache
  CACHE_CORRUPT: { retriable: true, zh: '本機紀錄檔損毀，已重新建立。', en: 'The local history was corrupt and has been rebuilt.' },
  CACHE_TOO_NEW: { retriable: false, zh: '本機紀錄檔由較新版本建立，無法開啟。', en: 'The local history was created by a newer version and cannot be opened.' },
  // Policy
  POLICY_INVALID: { retriable: false, zh: '電腦管理原則設定錯誤，已停止連線。', en: 'The machine policy is invalid; network access is disabled.' }
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
