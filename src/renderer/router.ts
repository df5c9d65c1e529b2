import { createRouter, createWebHashHistory } from 'vue-router'
import ConfirmationsView from './views/ConfirmationsView.vue'
import DelegationsView from './views/DelegationsView.vue'
import DiagnosticsView from './views/DiagnosticsView.vue'
import HomeView from './views/HomeView.vue'
import LoginView from './views/LoginView.vue'
import ProfileView from './views/ProfileView.vue'
import RegisterView from './views/RegisterView.vue'
import SettingsView from './views/SettingsView.vue'

// Hash history: works identically under the eccs:// protocol and the loopback web host.
// Routes with meta.auth need a session; the guard in App.vue's setup sends others to 登入.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'home', component: HomeView },
    { path: '/login', name: 'login', component: LoginView },
    { path: '/register', name: 'register', component: RegisterView },
    { path: '/delegations', name: 'delegations', component: DelegationsView, meta: { auth: true } },
    { path: '/records', name: 'records', component: ConfirmationsView, meta: { auth: true } },
    { path: '/profile', name: 'profile', component: ProfileView, meta: { auth: true } },
    { path: '/diagnostics', name: 'diagnostics', component: DiagnosticsView },
    { path: '/settings', name: 'settings', component: SettingsView }
  ]
})
