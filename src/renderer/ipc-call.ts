import type { Ref } from 'vue'
import type { AppErrorPayload } from '../shared/errors'

type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorPayload }

/** Runs bridge calls with a shared busy flag and error slot: the value, or null with `error` set. */
export function ipcRunner(busy: Ref<boolean>, error: Ref<AppErrorPayload | null>) {
  return async function run<T>(op: () => Promise<Result<T>>): Promise<T | null> {
    busy.value = true
    error.value = null
    try {
      const r = await op()
      if (r.ok) return r.value
      error.value = r.error
      return null
    } finally {
      busy.value = false
    }
  }
}
