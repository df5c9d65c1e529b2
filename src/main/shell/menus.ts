import type { ShellStrings } from './strings'

// The application menu and the input context menu as plain data, shaped like Electron's
// MenuItemConstructorOptions (index.ts passes them to Menu.buildFromTemplate). Standard roles
// give the OS behaviour and default accelerators; Reload and DevTools exist only in development.

/** Electron menu roles used here (a subset of Electron's MenuItem role names). */
export type MenuRole =
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'selectAll'
  | 'reload'
  | 'forceReload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'minimize'
  | 'close'
  | 'quit'
  | 'about'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'services'
  | 'front'
  | 'zoom'

/** A menu entry: structurally compatible with Electron's MenuItemConstructorOptions. */
export interface MenuItemSpec {
  id?: string
  label?: string
  role?: MenuRole
  type?: 'normal' | 'separator' | 'submenu'
  accelerator?: string
  enabled?: boolean
  submenu?: MenuItemSpec[]
  click?: () => void
}

/** What the custom (non-role) menu entries do; index.ts supplies them. */
export interface MenuActions {
  openSettings(): void
  openDiagnostics(): void
  openLogFolder(): void
  showAbout(): void
}

const SEP: MenuItemSpec = { type: 'separator' }

/**
 * The application menu: File / Edit / View / Window / Help (檔案 / 編輯 / 檢視 / 視窗 / 說明), plus
 * the app menu on macOS. `packaged` drops Reload, Force Reload and Developer Tools.
 */
export function buildAppMenu(opts: {
  strings: ShellStrings
  packaged: boolean
  platform: NodeJS.Platform
  actions: MenuActions
}): MenuItemSpec[] {
  const { menu } = opts.strings
  const mac = opts.platform === 'darwin'
  const a = opts.actions
  const settings: MenuItemSpec = {
    id: 'settings',
    label: menu.settings,
    accelerator: 'CmdOrCtrl+,',
    click: () => a.openSettings()
  }
  const about: MenuItemSpec = { id: 'about', label: menu.about, click: () => a.showAbout() }
  const template: MenuItemSpec[] = []
  if (mac) {
    template.push({
      label: opts.strings.appName,
      submenu: [
        about,
        SEP,
        settings,
        SEP,
        { role: 'services' },
        SEP,
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        SEP,
        { role: 'quit', label: menu.quit }
      ]
    })
  }
  template.push({
    id: 'file',
    label: menu.file,
    submenu: mac
      ? [{ role: 'close', label: menu.close }]
      : [settings, SEP, { role: 'quit', label: menu.quit, accelerator: 'CmdOrCtrl+Q' }]
  })
  template.push({
    id: 'edit',
    label: menu.edit,
    submenu: [
      { role: 'undo', label: menu.undo },
      { role: 'redo', label: menu.redo },
      SEP,
      { role: 'cut', label: menu.cut },
      { role: 'copy', label: menu.copy },
      { role: 'paste', label: menu.paste },
      { role: 'selectAll', label: menu.selectAll }
    ]
  })
  const dev: MenuItemSpec[] = opts.packaged
    ? []
    : [
        { role: 'reload', label: menu.reload },
        { role: 'forceReload', label: menu.forceReload },
        { role: 'toggleDevTools', label: menu.devTools },
        SEP
      ]
  template.push({
    id: 'view',
    label: menu.view,
    submenu: [
      ...dev,
      { role: 'resetZoom', label: menu.resetZoom },
      { role: 'zoomIn', label: menu.zoomIn },
      { role: 'zoomOut', label: menu.zoomOut },
      SEP,
      { role: 'togglefullscreen', label: menu.fullScreen }
    ]
  })
  template.push({
    id: 'window',
    label: menu.window,
    submenu: [
      { role: 'minimize', label: menu.minimize },
      ...(mac
        ? [{ role: 'zoom' as const }, SEP, { role: 'front' as const }]
        : [{ role: 'close' as const, label: menu.close }])
    ]
  })
  template.push({
    id: 'help',
    label: menu.help,
    submenu: [
      { id: 'diagnostics', label: menu.diagnostics, click: () => a.openDiagnostics() },
      { id: 'open-logs', label: menu.openLogs, click: () => a.openLogFolder() },
      ...(mac ? [] : [SEP, about])
    ]
  })
  return template
}

/** The parts of Electron's `context-menu` event parameters that decide the menu. */
export interface ContextMenuParams {
  isEditable: boolean
  selectionText: string
  editFlags: { canCut: boolean; canCopy: boolean; canPaste: boolean; canSelectAll: boolean }
}

/**
 * The right-click menu: 剪下 / 複製 / 貼上 / 全選 in inputs (each enabled as the page allows), 複製
 * on selected text elsewhere; null where there is nothing to offer (no menu is shown).
 */
export function buildContextMenu(params: ContextMenuParams, strings: ShellStrings): MenuItemSpec[] | null {
  const { menu } = strings
  const f = params.editFlags
  if (params.isEditable) {
    return [
      { role: 'cut', label: menu.cut, enabled: f.canCut },
      { role: 'copy', label: menu.copy, enabled: f.canCopy },
      { role: 'paste', label: menu.paste, enabled: f.canPaste },
      SEP,
      { role: 'selectAll', label: menu.selectAll, enabled: f.canSelectAll }
    ]
  }
  if (params.selectionText.trim() !== '') return [{ role: 'copy', label: menu.copy, enabled: f.canCopy }]
  return null
}
