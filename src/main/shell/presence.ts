import { join } from 'node:path'
import type { MenuItemSpec } from './menus'
import type { ShellStrings } from './strings'

// Background presence as plain data: the tray icon's text and menu for a pending count, what
// closing the window does, and how "start at login" is set up on each OS (policy key
// startAtLogin, off by default). index.ts applies these with Electron's Tray / app APIs.

/** Tooltip and menu of the tray icon; `count` is the number of 尚未確認 delegations (null: unknown / signed out). */
export interface TrayView {
  tooltip: string
  /** Shown next to the icon on macOS (empty when nothing is pending). */
  title: string
  menu: MenuItemSpec[]
}

/** The tray's tooltip and menu for a pending count. `show` and `quit` are the two actions. */
export function trayView(
  count: number | null,
  strings: ShellStrings,
  actions: { show(): void; quit(): void }
): TrayView {
  const pendingLine = count && count > 0 ? strings.tray.pending(count) : strings.tray.noPending
  return {
    tooltip: count && count > 0 ? `${strings.tray.tooltip} — ${pendingLine}` : strings.tray.tooltip,
    title: count && count > 0 ? String(count) : '',
    menu: [
      { id: 'pending', label: pendingLine, enabled: false },
      { type: 'separator' },
      { id: 'show', label: strings.tray.show, click: () => actions.show() },
      { id: 'quit', label: strings.tray.quit, click: () => actions.quit() }
    ]
  }
}

/**
 * What the window's close button does: 'hide' keeps the app running in the tray (setting
 * closeToTray on, a tray icon exists, and the app is not quitting), 'close' otherwise.
 */
export function closeAction(opts: {
  closeToTray: boolean
  trayAvailable: boolean
  quitting: boolean
}): 'hide' | 'close' {
  return opts.closeToTray && opts.trayAvailable && !opts.quitting ? 'hide' : 'close'
}

/** The command-line flag a login-started app carries: it starts in the tray, without a window. */
export const HIDDEN_FLAG = '--hidden'

/** How start-at-login is applied on this OS. */
export type LoginItemPlan =
  | { kind: 'login-item'; openAtLogin: boolean; args: string[] }
  | { kind: 'xdg-autostart'; file: string; content: string | null }
  | { kind: 'none'; reason: string }

/**
 * Windows and macOS use Electron's login items (app.setLoginItemSettings); Linux desktops use an
 * XDG autostart entry (`$XDG_CONFIG_HOME/autostart/eccs-client.desktop`, freedesktop.org Desktop
 * Application Autostart Specification), written when on and removed (content null) when off.
 * Development builds never register themselves.
 */
export function loginItemPlan(opts: {
  platform: NodeJS.Platform
  packaged: boolean
  startAtLogin: boolean
  /** The executable to start: the AppImage file when run from one ($APPIMAGE), else process.execPath. */
  executable: string
  env: NodeJS.ProcessEnv
  homeDir: string
}): LoginItemPlan {
  if (!opts.packaged) return { kind: 'none', reason: 'not a packaged build' }
  if (opts.platform === 'win32' || opts.platform === 'darwin')
    return { kind: 'login-item', openAtLogin: opts.startAtLogin, args: [HIDDEN_FLAG] }
  if (opts.platform !== 'linux') return { kind: 'none', reason: `no login items on ${opts.platform}` }
  const configHome =
    opts.env.XDG_CONFIG_HOME && opts.env.XDG_CONFIG_HOME.startsWith('/')
      ? opts.env.XDG_CONFIG_HOME
      : join(opts.homeDir, '.config')
  const file = join(configHome, 'autostart', 'eccs-client.desktop')
  if (!opts.startAtLogin) return { kind: 'xdg-autostart', file, content: null }
  // Desktop Entry Exec quoting: the path in double quotes with ", `, $ and \ escaped.
  const exec = `"${opts.executable.replace(/(["`$\\])/g, '\\$1')}" ${HIDDEN_FLAG}`
  const content = [
    '[Desktop Entry]',
    'Type=Application',
    'Name=實名認證桌面用戶端',
    'Name[en]=ECCS Real-Name Desktop Client',
    `Exec=${exec}`,
    'X-GNOME-Autostart-enabled=true',
    'NoDisplay=true',
    ''
  ].join('\n')
  return { kind: 'xdg-autostart', file, content }
}
