// zh-TW is the default UI language; labels follow the platform manuals verbatim where they exist.
export default {
  app: {
    title: '實名認證桌面用戶端',
    subtitle: '海關實名委任確認',
    demo: 'DEMO 示範模式',
    demoHint: '示範環境：虛擬讀卡機、測試自然人憑證與模擬平台，資料皆為虛構。',
    language: 'English'
  },
  ui: {
    nav: { login: '登入', register: '註冊', delegation: '海關實名委任', confirm: '海關實名委任確認', records: '委任確認紀錄查詢', maintenance: '用戶資料維護', profile: '個人帳號資料維護', logout: '登出' },
    offline: '目前無法連線到平台，資料可能不是最新。',
    loggedInAs: '已登入：{name}',
    login: {
      title: '登入', generalUser: '一般用戶', certificate: '憑證登入', account: '帳號', password: '密碼', submit: '登入',
      pin: 'PIN碼', loadCertificate: '載入自然人憑證', loaded: '憑證載入完成。', confirm: '確定', send: '送出', noAccount: '尚未註冊？', register: '註冊'
    },
    register: {
      title: 'APP 用戶資料註冊', steps: { env: '環境檢查', identity: '身分驗證', data: '資料填寫', done: '註冊成功' },
      envOk: '作業系統、讀卡機與自然人憑證元件檢查通過。', envBad: '請先排除讀卡機或自然人憑證的問題。', next: '下一步',
      nationalId: '身分證號碼', pin: 'PIN碼', verify: '執行身分驗證', verified: '身分驗證完成：{name}',
      name: '姓名', account: '帳號', password: '設定密碼', passwordConfirm: '確認密碼', email: 'Email', email2: 'Email2', mobile: '手機號碼',
      phone: '聯絡電話', address: '聯絡地址', birthDate: '出生年月日', category: '申請類別', individual: '個人', broker: '報關專責人員',
      sendSms: '傳送簡訊碼', smsSent: '驗證碼已傳送至 {mobile}', smsCode: '驗證碼', privacy: '個資閱讀宣告',
      privacyText: '本人已閱讀並同意個人資料蒐集、處理及利用告知事項。', submit: '確定', success: '註冊成功', successText: '帳號 {account} 已建立，可使用帳號密碼或自然人憑證登入。', home: '回首頁',
      rules: { title: '密碼規則', length: '長度至少8碼', digit: '數字至少1碼', upper: '大寫英文至少1碼', lower: '小寫英文至少1碼' },
      mismatch: '兩次輸入的密碼不一致', idInvalid: '身分證號碼格式或檢查碼不正確'
    },
    query: {
      title: '海關實名委任確認', direction: '進出口類別', all: '全部', import: '進口', export: '出口', dateFrom: '報關日期（起）', dateTo: '報關日期（迄）',
      houseBillNo: '分提單號碼', status: '認證結果', search: '查詢', results: '查詢結果：共 {n} 筆', none: '查無符合條件的資料', loading: '查詢中…',
      or: '或'
    },
    status: { PENDING: '尚未確認', MATCH: '申報相符', MISMATCH: '申報不符' },
    cols: { select: '選取', declarationDate: '報關日期', houseBillNo: '分提單號碼', direction: '進出口類別', carrier: '快遞業者', goods: '貨物名稱', value: '申報價值', status: '認證結果' },
    detail: { title: '委任明細', masterBillNo: '主提單號碼', quantity: '數量', reason: '原因', confirmedAt: '確認時間', via: '確認方式', close: '關閉' },
    decide: {
      match: '申報相符', mismatch: '申報不符', reason: '原因', reasonRequired: '申報不符須輸入原因', batch: '批次申報相符（{n} 筆）', selectAll: '選取全部尚未確認',
      disabled: '此帳號以手機門號 (EZWay) 註冊，尚未啟用自然人憑證認證，無法在此確認委任。', enableLink: '前往用戶資料維護啟用自然人憑證認證',
      done: '已完成：{ok} 筆成功，{fail} 筆失敗', rowOk: '成功', rowFail: '失敗'
    },
    pin: { title: '請輸入自然人憑證 PIN 碼', label: 'PIN碼', hint: '6 至 8 位數字；PIN 碼錯誤多次卡片將被鎖住。', confirm: '確定', cancel: '取消',
      stage: { preparing: '準備中…', signing: '卡片簽章中（{done}/{total}）…', submitting: '送出中（{done}/{total}）…', done: '完成' } },
    records: { title: '委任確認紀錄查詢', decision: '確認結果', all: '全部', confirmedAt: '確認時間', via: '確認方式', certificate: '自然人憑證', app: 'EZWay APP' },
    profile: {
      title: '個人帳號資料維護', account: '帳號', name: '姓名', nationalId: '身分證號碼', phone: '連絡電話', email: 'E-mail', address: '地址', mobile: '手機號碼',
      save: '儲存', saved: '資料已更新', password: '密碼', oldPassword: '舊密碼', newPassword: '新密碼', changePassword: '變更密碼', passwordChanged: '密碼已變更',
      certificate: '自然人憑證認證', enabled: '已啟用', notEnabled: '未啟用', enable: '使用自然人憑證認證', enabledNow: '已啟用自然人憑證認證'
    },
    pending: { badge: '{n} 筆尚未確認', notifyTitle: '新的海關實名委任', notifyBody: '有 {n} 筆新的委任尚未確認' },
    error: { detail: '（{code}）' }
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
