import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { followShellNavigation } from './desktop-notify'
import { installErrorReporting } from './error-report'
import { createAppI18n } from './i18n'
import { savedLocale } from './locale'
import { router } from './router'
import { useSessionStore } from './stores/session'

/**
 * Mounts the Vue app over the static shell of index.html. The session is asked of main before the
 * first route is resolved: a reload on a logged-in page stays on that page (main still holds the
 * session), and a page that needs a session never renders without one — no half state where the
 * header says 已登入 and the page shows the login form.
 */
export function startApp(): void {
  const pinia = createPinia()
  const app = createApp(App).use(pinia)
  installErrorReporting(app) // errors to the main log (issue 16)
  followShellNavigation()
  const session = useSessionStore(pinia)
  const ready = session.init()
  router.beforeEach(async (to) => {
    if (!to.meta.auth) return true
    await ready
    return session.loggedIn ? true : { name: 'login', query: { next: to.fullPath } }
  })
  app.use(router).use(createAppI18n(savedLocale())).mount('#app')
}
