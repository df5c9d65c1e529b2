import { ipcRunner } from '../ipc-call'
import { defineStore } from 'pinia'
import type { PinEntry } from '../../shared/pin-ticket'
import { computed, ref } from 'vue'
import type { ApiStatus, SessionInfo } from '../../shared/api-types'
import type { AppErrorPayload } from '../../shared/errors'
import { eccs } from '../bridge'
import { clearProfileDraft } from '../profile-draft'

// Who is logged in (never the token: main keeps it) and whether the platform is reachable.
export const useSessionStore = defineStore('session', () => {
  const session = ref<SessionInfo | null>(null)
  const api = ref<ApiStatus | null>(null)
  const error = ref<AppErrorPayload | null>(null)
  const busy = ref(false)
  /** False until main has answered whether a session exists (after a reload it may). */
  const initialized = ref(false)
  const loggedIn = computed(() => session.value !== null)
  const offline = computed(() => api.value?.state === 'offline')
  /** Phone-registered (EZWay) accounts may query but not confirm until they enable the certificate. */
  const canConfirm = computed(() => session.value?.profile.certificateEnabled === true)
  let unsubscribe: (() => void)[] = []

  /** Events and the initial fetch may cross; keep the newest. */
  function acceptApi(next: ApiStatus): void {
    if (!api.value || next.checkedAt >= api.value.checkedAt) api.value = next
  }

  async function init(): Promise<void> {
    if (unsubscribe.length === 0) {
      unsubscribe = [eccs.onApiStatus(acceptApi), eccs.onSessionEnded(() => (session.value = null))]
    }
    try {
      const [s, a] = await Promise.all([eccs.getSession(), eccs.getApiStatus()])
      if (s.ok) session.value = s.value
      if (a.ok) acceptApi(a.value)
    } finally {
      initialized.value = true
    }
  }

  const run = ipcRunner(busy, error)

  async function loginPassword(account: string, password: string): Promise<boolean> {
    const s = await run(() => eccs.loginPassword({ account, password }))
    if (s) session.value = s
    return s !== null
  }

  /** 憑證登入 with the PIN and its ticket (card:pinPrompt). */
  async function loginCertificate(entry: PinEntry): Promise<boolean> {
    const s = await run(() => eccs.loginCertificate(entry))
    if (s) session.value = s
    return s !== null
  }

  async function logout(): Promise<void> {
    clearProfileDraft() // unsaved profile edits belong to this session only
    await eccs.logout()
    session.value = null
  }

  /** A session opened elsewhere (the certificate login of 登入, confirmed with 送出). */
  function adopt(s: SessionInfo): void {
    error.value = null
    session.value = s
  }

  function setProfile(profile: SessionInfo['profile']): void {
    if (session.value) session.value = { ...session.value, profile }
  }

  function dispose(): void {
    unsubscribe.forEach((u) => u())
    unsubscribe = []
  }

  return {
    session,
    api,
    error,
    busy,
    initialized,
    loggedIn,
    offline,
    canConfirm,
    init,
    loginPassword,
    loginCertificate,
    logout,
    adopt,
    setProfile,
    dispose
  }
})
