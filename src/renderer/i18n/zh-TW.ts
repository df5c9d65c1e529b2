// zh-TW is the default UI language; labels follow the platform manuals verbatim where they exist.
export default {
  app: {
    title: '實名認證桌面用戶端',
    subtitle: '海關實名委任確認',
    demo: 'DEMO 示範模式',
    demoHint: '示範環境：虛擬讀卡機、測試自然人憑證與模擬平台，資料皆為虛構。',
    language: 'English'
  },
  nav: { home: '首頁', diagnostics: '環境檢查' },
  status: {
    label: '讀卡機狀態',
    starting: '正在檢查讀卡機…',
    'pcsc-unavailable': '智慧卡服務 (PC/SC) 未執行',
    'no-reader': '未偵測到讀卡機',
    'no-card': '請插入自然人憑證',
    'unsupported-card': '無法識別的卡片',
    'module-missing': '找不到憑證元件',
    reading: '正在讀取自然人憑證…',
    'token-absent': '無法讀取卡片',
    'certificate-missing': '卡片中找不到憑證',
    'chain-invalid': '憑證驗證失敗',
    ready: '讀卡機準備完成',
    holder: '持卡人',
    validUntil: '有效期限',
    reader: '讀卡機',
    fix: '處理方式'
  },
  hint: {
    'pcsc-unavailable': '請啟動智慧卡服務後稍候，程式會自動重新連線。',
    'no-reader': '請將讀卡機連接到電腦。',
    'no-card': '請將自然人憑證插入讀卡機（晶片朝上）。',
    'unsupported-card': '請確認插入的是自然人憑證。',
    'module-missing': '請安裝 HiCOS 卡片管理工具後重新插入卡片。',
    'token-absent': '請重新插入自然人憑證。',
    'certificate-missing': '此卡片沒有可用於簽章的憑證。',
    'chain-invalid': '憑證可能已過期、尚未生效、已廢止或非內政部憑證管理中心簽發。'
  },
  chain: {
    valid: '有效',
    expired: '已過期',
    'not-yet-valid': '尚未生效',
    untrusted: '非受信任的發行者',
    revoked: '已廢止',
    'revocation-unknown': '無法確認廢止狀態'
  },
  home: {
    intro: '使用自然人憑證進行海關實名委任確認。請先確認讀卡機狀態顯示「讀卡機準備完成」。'
  },
  diagnostics: {
    title: '環境檢查',
    readers: '讀卡機',
    none: '（無）',
    card: '卡片',
    atr: 'ATR',
    module: '憑證元件 (PKCS#11)',
    chain: '憑證鏈',
    platform: '作業系統',
    version: '版本',
    host: '執行方式',
    api: '平台位址',
    notConfigured: '未設定'
  }
} as const
