import { defineStore } from 'pinia'
import type { PinEntry } from '../../shared/pin-ticket'
import { computed, ref } from 'vue'
import type { Delegation, DelegationQuery, DelegationStatus, Direction } from '../../shared/delegation'
import { ErrorCodes, isErrorCode, type AppErrorPayload } from '../../shared/errors'
import type { DecisionOutcome } from '../../shared/ipc-contract'
import { eccs } from '../bridge'

// 海關實名委任確認: query filters, all result rows (paged in from main, sorted here), selection,
// decisions and the pending count behind the badge and the desktop notification.

export interface QueryForm {
  direction: Direction | ''
  dateFrom: string
  dateTo: string
  houseBillNo: string
  status: DelegationStatus | ''
}

export type SortKey = 'declarationDate' | 'houseBillNo' | 'direction' | 'carrier' | 'declaredValue' | 'status'

const MAX_ROWS = 10_000
const PAGE = 500

export function toQuery(form: QueryForm, page: number): DelegationQuery {
  const q: DelegationQuery = { page, pageSize: PAGE, sort: 'declarationDate:desc' }
  if (form.direction) q.direction = form.direction
  if (form.status) q.status = form.status
  // 報關日期起迄 or 分提單號碼: a house bill number overrides the dates.
  if (form.houseBillNo.trim()) q.houseBillNo = form.houseBillNo.trim()
  else {
    if (form.dateFrom) q.dateFrom = form.dateFrom
    if (form.dateTo) q.dateTo = form.dateTo
  }
  return q
}

export function sortRows(rows: Delegation[], key: SortKey, dir: 'asc' | 'desc'): Delegation[] {
  const sign = dir === 'asc' ? 1 : -1
  return [...rows].sort((a, b) => {
    const x = a[key]
    const y = b[key]
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
    return c !== 0 ? c * sign : a.id.localeCompare(b.id)
  })
}

export const useDelegationsStore = defineStore('delegations', () => {
  const form = ref<QueryForm>({ direction: '', dateFrom: '', dateTo: '', houseBillNo: '', status: '' })
  const rows = ref<Delegation[]>([])
  const total = ref(0)
  /** Set when the offline history is off this session (cache could not be opened): why. */
  const historyOff = ref<AppErrorPayload | null>(null)
  /** Set when the offline cache answered: when it was last synced with the platform. */
  const fromCache = ref<{ lastSyncedAt: string | null } | null>(null)
  const searched = ref(false)
  const loading = ref(false)
  const error = ref<AppErrorPayload | null>(null)
  const sortKey = ref<SortKey>('declarationDate')
  const sortDir = ref<'asc' | 'desc'>('desc')
  const selected = ref<Set<string>>(new Set())
  const outcomes = ref<Map<string, DecisionOutcome>>(new Map())
  const pendingCount = ref<number | null>(null)

  const sorted = computed(() => sortRows(rows.value, sortKey.value, sortDir.value))
  const selectedPending = computed(() => rows.value.filter((r) => selected.value.has(r.id) && r.status === 'PENDING'))

  async function search(): Promise<void> {
    loading.value = true
    error.value = null
    selected.value = new Set()
    outcomes.value = new Map()
    try {
      const all: Delegation[] = []
      for (let page = 1; ; page++) {
        const r = await eccs.queryDelegations(toQuery(form.value, page))
        if (!r.ok) {
          error.value = r.error
          return
        }
        all.push(...r.value.items)
        total.value = r.value.total
        fromCache.value = r.value.source === 'cache' ? { lastSyncedAt: r.value.lastSyncedAt } : null
        const off = r.value.historyOff
        historyOff.value = off && isErrorCode(off) ? { code: off, retriable: ErrorCodes[off].retriable } : null
        if (r.value.items.length < PAGE || all.length >= Math.min(r.value.total, MAX_ROWS)) break
      }
      rows.value = all
      searched.value = true
    } finally {
      loading.value = false
    }
  }

  function toggleSort(key: SortKey): void {
    if (sortKey.value === key) sortDir.value = sortDir.value === 'asc' ? 'desc' : 'asc'
    else {
      sortKey.value = key
      sortDir.value = 'asc'
    }
  }

  function toggle(id: string): void {
    const next = new Set(selected.value)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    selected.value = next
  }

  function selectAllPending(): void {
    selected.value = new Set(rows.value.filter((r) => r.status === 'PENDING').map((r) => r.id))
  }

  function replace(d: Delegation): void {
    const i = rows.value.findIndex((r) => r.id === d.id)
    if (i >= 0) rows.value.splice(i, 1, d)
  }

  /** One PIN for every item; returns per-row outcomes, or the error that stopped the whole batch. */
  async function decide(items: { id: string; houseBillNo: string; decision: 'MATCH' | 'MISMATCH'; reason: string }[], pin: PinEntry): Promise<{ results: DecisionOutcome[] } | { error: AppErrorPayload }> {
    const r = await eccs.decideDelegations({ items, ...pin })
    if (!r.ok) return { error: r.error }
    const next = new Map(outcomes.value)
    for (const o of r.value.results) {
      next.set(o.id, o)
      if (o.ok) replace(o.delegation)
    }
    outcomes.value = next
    selected.value = new Set([...selected.value].filter((id) => !next.get(id)?.ok))
    void refreshPending()
    return r.value
  }

  /** Returns how many new pending delegations appeared since the last check. */
  async function refreshPending(): Promise<number> {
    const r = await eccs.getPendingCount()
    if (!r.ok) return 0
    const before = pendingCount.value
    pendingCount.value = r.value.count
    return before !== null && r.value.count > before ? r.value.count - before : 0
  }

  function reset(): void {
    rows.value = []
    total.value = 0
    searched.value = false
    selected.value = new Set()
    outcomes.value = new Map()
    pendingCount.value = null
  }

  /** Exports the current query from the offline history; the browser download saves it. */
  async function exportResults(format: 'csv' | 'json'): Promise<AppErrorPayload | null> {
    const r = await eccs.exportHistory({ format, query: toQuery(form.value, 1) })
    if (!r.ok) return r.error
    const url = URL.createObjectURL(new Blob([r.value.content], { type: r.value.mimeType }))
    const a = document.createElement('a')
    a.href = url
    a.download = r.value.fileName
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    return null
  }

  return { exportResults, form, rows, sorted, total, fromCache, historyOff, searched, loading, error, sortKey, sortDir, selected, selectedPending, outcomes, pendingCount, search, toggleSort, toggle, selectAllPending, decide, refreshPending, reset }
})
