// One typed error vocabulary for main, preload, renderer and CLI. `retriable` tells the UI whether
// offering "try again" makes sense; messages exist in both UI languages.
export const ErrorCodes = {
  INVALID_REQUEST: { retriable: false, zh: '請求格式不正確。', en: 'The request is malformed.' },
  UNKNOWN_CHANNEL: { retriable: false, zh: '不支援的操作。', en: 'Unsupported operation.' },
  FORBIDDEN_SENDER: {
    retriable: false,
    zh: '拒絕來自未授權頁面的請求。',
    en: 'Request from an unauthorised page was refused.'
  },
  INTERNAL: {
    retriable: true,
    zh: '程式發生未預期的錯誤，請重試。',
    en: 'An unexpected error occurred; please try again.'
  },
  PCSC_UNAVAILABLE: {
    retriable: true,
    zh: '智慧卡服務 (PC/SC) 未執行。',
    en: 'The smart-card service (PC/SC) is not running.'
  },
  NO_READER: { retriable: true, zh: '未偵測到讀卡機，請連接讀卡機。', en: 'No card reader found; please connect one.' },
  NO_CARD: { retriable: true, zh: '請插入自然人憑證。', en: 'Please insert your citizen digital certificate card.' },
  UNSUPPORTED_CARD: {
    retriable: false,
    zh: '無法識別此卡片，請確認插入的是自然人憑證。',
    en: 'This card is not recognised as a citizen digital certificate.'
  },
  MODULE_MISSING: {
    retriable: false,
    zh: '找不到憑證元件 (PKCS#11 模組)，請安裝 HiCOS 卡片管理工具。',
    en: 'The PKCS#11 module was not found; please install the HiCOS card client.'
  },
  TOKEN_NOT_FOUND: {
    retriable: true,
    zh: '讀取卡片失敗，請重新插入自然人憑證。',
    en: 'The card could not be read; please re-insert it.'
  },
  CERTIFICATE_NOT_FOUND: {
    retriable: false,
    zh: '卡片中找不到簽章憑證。',
    en: 'No signing certificate was found on the card.'
  },
  CHAIN_INVALID: {
    retriable: false,
    zh: '憑證無法驗證 (過期、未生效、已廢止或非受信任的發行者)。',
    en: 'The certificate could not be validated (expired, not yet valid, revoked or untrusted issuer).'
  },
  CARD_BUSY: {
    retriable: true,
    zh: '卡片正在處理其他作業，請稍候。',
    en: 'The card is busy with another operation; please wait.'
  },
  CARD_REMOVED: {
    retriable: true,
    zh: '作業中卡片被移除，請重新插入後再試。',
    en: 'The card was removed during the operation; re-insert it and try again.'
  },
  NETWORK_UNREACHABLE: {
    retriable: true,
    zh: '無法連線到平台，請檢查網路。',
    en: 'The platform cannot be reached; check your network.'
  },
  TLS_UNTRUSTED: {
    retriable: false,
    zh: '平台的安全憑證不受信任，已停止連線。',
    en: "The platform's TLS certificate is not trusted; the connection was stopped."
  },
  SERVER_RESPONSE_INVALID: {
    retriable: true,
    zh: '平台回應格式不正確。',
    en: 'The platform sent an invalid response.'
  },
  // Trust core (issue 12): cards beyond the ATR table, unreadable and non-citizen certificates
  CERTIFICATE_UNREADABLE: {
    retriable: false,
    zh: '卡片中的憑證無法解析，請將讀卡機名稱、ATR 與錯誤內容提供給客服。',
    en: 'The certificate on the card cannot be parsed; send the reader name, ATR and this message to support.'
  },
  NOT_CITIZEN_CERTIFICATE: {
    retriable: false,
    zh: '此卡片的憑證不是內政部憑證管理中心簽發的自然人憑證 (例如工商憑證)，請改用自然人憑證。',
    en: 'The certificate on this card was not issued by MOICA (e.g. a business certificate); please use your citizen digital certificate.'
  },
  // PIN and card operations (Web eID rules: never retried on the user's behalf)
  PIN_FORMAT: { retriable: false, zh: 'PIN碼須為 6 至 8 位數字。', en: 'The PIN must be 6 to 8 digits.' },
  PIN_INCORRECT: { retriable: false, zh: 'PIN碼錯誤。', en: 'Wrong PIN.' },
  PIN_FINAL_TRY: {
    retriable: false,
    zh: 'PIN碼錯誤，再錯一次卡片將被鎖住。',
    en: 'Wrong PIN; one more wrong PIN will lock the card.'
  },
  PIN_LOCKED: {
    retriable: false,
    zh: '卡片已鎖住，請洽內政部憑證管理中心解鎖。',
    en: 'The card is locked; contact MOICA to unlock it.'
  },
  PIN_TIMEOUT: { retriable: true, zh: '等待輸入 PIN碼逾時。', en: 'Timed out waiting for the PIN.' },
  OPERATION_CANCELLED: { retriable: true, zh: '作業已取消。', en: 'The operation was cancelled.' },
  OPERATION_TIMEOUT: {
    retriable: true,
    zh: '卡片作業逾時，請重新插入卡片後再試。',
    en: 'The card operation timed out; re-insert the card and try again.'
  },
  SIGNING_FAILED: { retriable: true, zh: '卡片簽章失敗。', en: 'The card could not sign.' },
  NOT_READY: { retriable: true, zh: '讀卡機或卡片尚未準備完成。', en: 'The reader or card is not ready.' },
  // Platform (API) outcomes
  NOT_CONFIGURED: { retriable: false, zh: '尚未設定平台位址。', en: 'No platform address is configured.' },
  SESSION_EXPIRED: {
    retriable: false,
    zh: '登入逾時，請重新登入。',
    en: 'Your session has expired; please log in again.'
  },
  LOGIN_FAILED: { retriable: false, zh: '帳號或密碼錯誤。', en: 'Wrong account or password.' },
  ACCOUNT_LOCKED: {
    retriable: true,
    zh: '帳號暫時鎖定，請稍後再試。',
    en: 'The account is temporarily locked; try again later.'
  },
  RATE_LIMITED: {
    retriable: true,
    zh: '嘗試次數過多，請稍後再試。',
    en: 'Too many attempts; please wait and try again.'
  },
  CERTIFICATE_REJECTED: { retriable: false, zh: '平台不接受此憑證。', en: 'The platform rejected the certificate.' },
  CERTIFICATE_NOT_ENABLED: {
    retriable: false,
    zh: '此帳號尚未啟用自然人憑證認證，請至用戶資料維護啟用。',
    en: 'Certificate confirmation is not enabled for this account; enable it in 用戶資料維護.'
  },
  ALREADY_ANSWERED: { retriable: false, zh: '此筆委任已回覆。', en: 'This delegation has already been answered.' },
  VALIDATION_FAILED: {
    retriable: false,
    zh: '輸入資料有誤，請檢查標示的欄位。',
    en: 'Some fields are invalid; please check them.'
  },
  SERVER_ERROR: {
    retriable: true,
    zh: '平台暫時無法處理，請稍後再試。',
    en: 'The platform could not process the request; try again later.'
  },
  // Offline cache
  CACHE_CORRUPT: {
    retriable: true,
    zh: '本機紀錄檔損毀，已重新建立。',
    en: 'The local history was corrupt and has been rebuilt.'
  },
  CACHE_TOO_NEW: {
    retriable: false,
    zh: '本機紀錄檔由較新版本建立，無法開啟。',
    en: 'The local history was created by a newer version and cannot be opened.'
  },
  // --- PIN bound to a card (issue 14, helper i14-card) ---------------------------------------
  CARD_CHANGED: {
    retriable: true,
    zh: '輸入 PIN碼後卡片已更換，PIN碼未送出。請確認插入的是您的自然人憑證，再重新輸入 PIN碼。',
    en: 'The card was changed after the PIN was asked; the PIN was not sent. Check that your own card is inserted and enter the PIN again.'
  },
  PIN_TICKET_INVALID: {
    retriable: true,
    zh: 'PIN碼輸入視窗已失效（已使用、逾時或卡片有變動），PIN碼未送出。請重新開啟輸入視窗。',
    en: 'This PIN dialog is no longer valid (used, expired or the card changed); the PIN was not sent. Open the dialog again.'
  },
  PIN_CONFIRM_REQUIRED: {
    retriable: true,
    zh: '此卡片 PIN碼剩餘嘗試次數不多，PIN碼未送出。請先確認剩餘次數後再輸入。',
    en: 'Few PIN attempts remain on this card; the PIN was not sent. Confirm the remaining attempts first, then enter it.'
  },
  PIN_THROTTLED: {
    retriable: true,
    zh: 'PIN碼錯誤後須稍候才能再試，PIN碼未送出。請稍候數秒再輸入。',
    en: 'After a wrong PIN you must wait before trying again; the PIN was not sent. Wait a few seconds and retry.'
  },
  PCSC_NOT_INSTALLED: {
    retriable: false,
    zh: '未安裝智慧卡服務 (PC/SC)，請安裝後再插入讀卡機。',
    en: 'The smart-card service (PC/SC) is not installed; install it, then connect the reader.'
  },
  // --- end of the PIN/card block -------------------------------------------------------------
  // ── Faults and what is signed (issue 14: platform side) ──────────────────────────────────────
  /** The decision was sent but no answer arrived in time: it may be recorded. Retrying resends the same signed body. */
  DECISION_UNCONFIRMED: {
    retriable: true,
    zh: '平台未回應，無法確認此筆回覆是否已記錄。請按重試：將重送同一份已簽章的回覆，不會重複記錄。',
    en: 'The platform did not answer, so it is not known whether the answer was recorded. Press retry: the same signed answer is resent and cannot be recorded twice.'
  },
  ACTION_TIMEOUT: {
    retriable: true,
    zh: '作業逾時 (平台未在時限內回應)，未送出任何回覆。請稍後再試。',
    en: 'The operation timed out (the platform did not answer in time); nothing was sent. Try again later.'
  },
  DELEGATION_CHANGED: {
    retriable: false,
    zh: '平台回傳的委任資料與您選擇的不同 (編號或分提單號碼不符)，未簽章。請重新查詢後再試。',
    en: 'The platform returned a different delegation than the one you chose (id or house bill number differ); nothing was signed. Query again and retry.'
  },
  TEXT_MALFORMED: {
    retriable: false,
    zh: '文字含有無效的字元 (不成對的代理字元)，請重新輸入。',
    en: 'The text contains invalid characters (unpaired surrogates); please type it again.'
  },
  DISK_FULL: {
    retriable: true,
    zh: '磁碟空間不足，本機紀錄無法更新。請釋放磁碟空間後再同步。',
    en: 'The disk is full, so the local history cannot be updated. Free some disk space, then sync again.'
  },
  CACHE_READ_ONLY: {
    retriable: false,
    zh: '本機紀錄檔無法寫入 (唯讀或沒有權限)，離線紀錄已停用。請檢查資料夾權限。',
    en: 'The local history file cannot be written (read-only or no permission); offline history is off. Check the folder permissions.'
  },
  CACHE_UNAVAILABLE: {
    retriable: true,
    zh: '本機紀錄無法開啟，離線紀錄已停用；線上查詢不受影響。',
    en: 'The local history could not be opened; offline history is off. Online queries still work.'
  },
  // Policy
  POLICY_INVALID: {
    retriable: false,
    zh: '電腦管理原則設定錯誤，已停止連線。',
    en: 'The machine policy is invalid; network access is disabled.'
  },
  // ---- Identity and input (issue 13): identity numbers, typed input, the issuing authority's identity proof ----
  IDENTITY_NUMBER_INVALID: {
    retriable: false,
    zh: '身分證號或統一證號格式或檢查碼不正確，請依證件上的號碼重新輸入。',
    en: 'The national ID or resident certificate number is not valid; re-enter it exactly as printed on your card.'
  },
  IDENTITY_NOT_PROVEN: {
    retriable: false,
    zh: '身分查驗未通過：此身分證號或統一證號不屬於插入的自然人憑證持有人。請輸入您本人的號碼，並使用本人的憑證。',
    en: 'Identity check failed: this ID number does not belong to the holder of the inserted card. Enter your own number and use your own card.'
  },
  IDENTITY_SERVICE_UNAVAILABLE: {
    retriable: true,
    zh: '憑證發行機關的身分查驗服務暫時無法使用，請稍後再試。',
    en: "The certificate authority's identity check is unavailable right now; please try again later."
  },
  NAME_NOT_CERTIFICATE: {
    retriable: false,
    zh: '姓名須與自然人憑證上的姓名完全相同。',
    en: 'The name must be exactly the name on your citizen certificate.'
  },
  // ── Web host and batch pipeline (issue 14 item 2, issue 17 item 4) ─────────────────────────
  WEBHOST_STOPPED: {
    retriable: false,
    zh: '應用程式已停止執行。請重新啟動應用程式 (npm start)，再開啟它顯示的新網址。',
    en: 'The app has stopped. Start it again (npm start) and open the new App URL it prints.'
  },
  WEBHOST_SESSION_REQUIRED: {
    retriable: false,
    zh: '此頁面未連上應用程式 (網址只能使用一次)。請開啟應用程式最新顯示的 App URL。',
    en: 'This page is not connected to the app (an App URL works only once). Open the newest App URL the app printed.'
  },
  WEBHOST_REQUEST_REFUSED: {
    retriable: false,
    zh: '應用程式拒絕了此請求。請重新整理頁面；若仍發生，請重新啟動應用程式。',
    en: 'The app refused this request. Reload the page; if it happens again, restart the app.'
  },
  WEBHOST_BUSY: {
    retriable: true,
    zh: '應用程式忙碌中，請稍候再試。',
    en: 'The app is busy; please wait a moment and try again.'
  },
  CHALLENGE_EXPIRED: {
    retriable: true,
    zh: '簽章等待過久，平台的驗證碼已失效，此筆未送出。請再按一次確認並輸入 PIN碼重新簽章。',
    en: "The platform's challenge expired before this answer was sent; nothing was sent. Confirm again and enter your PIN to sign anew."
  }
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
