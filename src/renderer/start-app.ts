import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { followShellNavigation } from './desktop-notify'
import { installErrorReporting } from './error-report'
import { createAppI18n } from './i18n'
import { savedLocale } from './locale'
import { router } from './router'

/** Mounts the Vue app over the static shell of index.html. */
export function startApp(): void {
  const app = createApp(App)
  installErrorReporting(app) // errors to the main log (issue 16)
  followShellNavigation()
  app.use(createPinia()).use(router).use(createAppI18n(savedLocale())).mount('#app')
}
