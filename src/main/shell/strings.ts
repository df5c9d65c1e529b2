// Every main-process text a user sees (menus, context menu, tray, the update dialog), in zh-TW and English, in one place. The renderer has its own vue-i18n
// messages; these are the few the Electron shell draws itself.

export type ShellLocale = 'zh-TW' | 'en'

const zhTW = {
  appName: '實名認證桌面用戶端',
  menu: {
    file: '檔案',
    settings: '設定…',
    quit: '結束',
    edit: '編輯',
    undo: '復原',
    redo: '重做',
    cut: '剪下',
    copy: '複製',
    paste: '貼上',
    selectAll: '全選',
    view: '檢視',
    reload: '重新載入',
    forceReload: '強制重新載入',
    devTools: '開發人員工具',
    resetZoom: '實際大小',
    zoomIn: '放大',
    zoomOut: '縮小',
    fullScreen: '全螢幕',
    window: '視窗',
    minimize: '最小化',
    close: '關閉視窗',
    help: '說明',
    diagnostics: '環境檢查',
    openLogs: '開啟記錄檔資料夾',
    about: '關於實名認證桌面用戶端'
  },
  tray: {
    tooltip: '實名認證桌面用戶端',
    pending: (n: number) => `尚未確認 ${n} 筆`,
    noPending: '沒有尚未確認的委任',
    show: '開啟視窗',
    quit: '結束'
  },
  update: {
    title: '更新已就緒',
    message: (v: string) => `新版本 ${v} 已下載完成。`,
    detail: '重新啟動後即完成更新。若選擇「稍後」，將在下次結束程式時安裝。',
    now: '立即重新啟動',
    later: '稍後'
  }
}

type ShellStrings = typeof zhTW

const en: ShellStrings = {
  appName: 'ECCS Real-Name Desktop Client',
  menu: {
    file: 'File',
    settings: 'Settings…',
    quit: 'Quit',
    edit: 'Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    selectAll: 'Select All',
    view: 'View',
    reload: 'Reload',
    forceReload: 'Force Reload',
    devTools: 'Developer Tools',
    resetZoom: 'Actual Size',
    zoomIn: 'Zoom In',
    zoomOut: 'Zoom Out',
    fullScreen: 'Full Screen',
    window: 'Window',
    minimize: 'Minimize',
    close: 'Close Window',
    help: 'Help',
    diagnostics: 'Environment Check',
    openLogs: 'Open Log Folder',
    about: 'About ECCS Real-Name Desktop Client'
  },
  tray: {
    tooltip: 'ECCS Real-Name Desktop Client',
    pending: (n: number) => `${n} delegation${n === 1 ? '' : 's'} to confirm`,
    noPending: 'No delegations to confirm',
    show: 'Open Window',
    quit: 'Quit'
  },
  update: {
    title: 'Update ready',
    message: (v: string) => `Version ${v} has been downloaded.`,
    detail: 'Restart to finish the update. If you choose Later, it is installed the next time you quit.',
    now: 'Restart Now',
    later: 'Later'
  }
}

export type { ShellStrings }

/** zh-TW for any Chinese system locale (zh, zh-TW, zh-Hant-TW, zh-HK …), English otherwise. */
export function shellLocale(systemLocale: string | undefined): ShellLocale {
  return systemLocale && /^zh\b/i.test(systemLocale) ? 'zh-TW' : 'en'
}

/** The shell's texts for a locale. */
export function shellStrings(locale: ShellLocale): ShellStrings {
  return locale === 'zh-TW' ? zhTW : en
}
