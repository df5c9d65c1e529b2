import { eccs } from './bridge'
import { router } from './router'

// A desktop notification for new 尚未確認 delegations. In the Electron app main draws it (clicking
// it brings the window forward on 海關實名委任確認, via the 'app:navigate' event); in the web host
// the browser's Notification API does, and a click focuses the tab on the same view.

/** Shows the notification; resolves when it was handed to main or to the browser. */
export async function showPendingNotification(title: string, body: string): Promise<void> {
  // The preload's bridge exists only in the Electron window; the web host's page needs no round trip.
  if (window.eccs !== undefined) {
    const r = await eccs.notify({ title, body, view: 'delegations' })
    if (r.ok && r.value.shown) return
  }
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  const n = new Notification(title, { body })
  n.onclick = () => {
    window.focus()
    void router.push({ name: 'delegations' })
  }
}

/** Follows main's requests to show a view (application menu, clicked notification). */
export function followShellNavigation(): () => void {
  return eccs.onNavigate(({ view }) => void router.push({ name: view }))
}
