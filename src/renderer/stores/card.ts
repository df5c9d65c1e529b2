import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CardStatus } from '../../shared/card-status'
import type { AppInfo } from '../../shared/ipc-contract'
import { eccs } from '../bridge'

// Card and app state as main reports it. Events keep it live; the initial fetch covers events
// that fired before the renderer subscribed.
export const useCardStore = defineStore('card', () => {
  const status = ref<CardStatus>({ phase: 'starting', readers: [], updatedAt: new Date(0).toISOString() })
  const info = ref<AppInfo | null>(null)
  const ready = computed(() => status.value.phase === 'ready')
  let unsubscribe: (() => void) | null = null

  function accept(next: CardStatus): void {
    // Events and the initial fetch may cross; keep the newest.
    if (next.updatedAt >= status.value.updatedAt) status.value = next
  }

  async function init(): Promise<void> {
    unsubscribe ??= eccs.onCardStatus(accept)
    const [s, i] = await Promise.all([eccs.getCardStatus(), eccs.getAppInfo()])
    if (s.ok) accept(s.value)
    if (i.ok) info.value = i.value
  }

  function dispose(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  return { status, info, ready, init, dispose }
})
