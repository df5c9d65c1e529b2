import { createRouter, createWebHashHistory } from 'vue-router'
import HomeView from './views/HomeView.vue'

// Hash history: works identically under the eccs:// protocol and the loopback web host.
// Routes with meta.auth need a session; the guard in App.vue's setup sends others to 登入.
// Only the start screen is in the main chunk; the others load on first visit (a local file or
// loopback fetch), which keeps the JS parsed before the first paint small.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'home', component: HomeView },
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue') },
    { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue') },
    { path: '/delegations', name: 'delegations', component: () => import('./views/DelegationsView.vue'), meta: { auth: true } },
    { path: '/records', name: 'records', component: () => import('./views/ConfirmationsView.vue'), meta: { auth: true } },
    { path: '/profile', name: 'profile', component: () => import('./views/ProfileView.vue'), meta: { auth: true } },
    { path: '/diagnostics', name: 'diagnostics', component: () => import('./views/DiagnosticsView.vue') },
    { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue') }
  ]
})
