import { createRouter, createWebHashHistory } from 'vue-router'
import HomeView from './views/HomeView.vue'

// Hash history: works identically under the eccs:// protocol and the loopback web host, and the
// page survives a reload (the hash is the page). Routes with meta.auth need a session; the guard
// (start-app.ts) waits for main's answer before deciding, so a reload keeps the user where they
// were. meta.category is the top-menu category whose left menu shows (seed 000 圖7, 圖10).
// Only the start screen is in the main chunk; the others load on first visit (a local file or
// loopback fetch), which keeps the JS parsed before the first paint small.
declare module 'vue-router' {
  interface RouteMeta {
    auth?: boolean
    category?: 'delegation' | 'maintenance'
  }
}

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'home', component: HomeView },
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue') },
    { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue') },
    {
      path: '/delegations',
      name: 'delegations',
      component: () => import('./views/DelegationsView.vue'),
      meta: { auth: true, category: 'delegation' }
    },
    {
      path: '/records',
      name: 'records',
      component: () => import('./views/ConfirmationsView.vue'),
      meta: { auth: true, category: 'delegation' }
    },
    {
      path: '/profile',
      name: 'profile',
      component: () => import('./views/ProfileView.vue'),
      meta: { auth: true, category: 'maintenance' }
    },
    { path: '/diagnostics', name: 'diagnostics', component: () => import('./views/DiagnosticsView.vue') },
    { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue') }
  ]
})
