import { createRouter, createWebHashHistory } from 'vue-router'
import DiagnosticsView from './views/DiagnosticsView.vue'
import HomeView from './views/HomeView.vue'

// Hash history: works identically under the eccs:// protocol and the loopback web host.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'home', component: HomeView },
    { path: '/diagnostics', name: 'diagnostics', component: DiagnosticsView }
  ]
})
