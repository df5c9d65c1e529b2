import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { Decision, Delegation, DelegationQuery, DelegationStatus, Direction } from '../../shared/delegation'
import { ErrorCodes, isErrorCode, type AppErrorPayload } from '../../shared/errors'
import type { PinEntry } from '../../shared/pin-ticket'
import type { DecisionOutcome } from '../../shared/ipc-contract'
import { parseDateInput } from '../../shared/taipei-time'
import { eccs } from '../bridge'

// 海關實名委任確認: query filters, all result rows (paged in from main, sorted here), selection,
// the pending count behind the badge, and the whole confirmation flow (what is about to be
// signed, the PIN step, its one result type) — the views only read this state and call actions.

export interface QueryForm {
  direction: Direction | ''
  /** 報關日期（起）as typed: YYYY/MM/DD, YYYY-MM-DD, ROC 115/11/30… (parseDateInput). */
  dateFrom: string
  dateTo: string
  houseBillNo: string
  status: DelegationStatus | ''
}

/** A query-form problem found before sending, placed next to its field. */
export type QueryFieldError = { field: 'dateFrom' | 'dateTo'; problem: 'invalid' | 'endBeforeStart' }

export type SortKey = 'declarationDate' | 'houseBillNo' | 'direction' | 'carrier' | 'declaredValue' | 'status'

/** One answer as the user gave it, with what the PIN dialog names (分提單號碼). */
export interface AnswerItem {
  id: string
  houseBillNo: string
  decision: Decision
  /** 原因: required for 申報不符, empty for 申報相符. */
  reason: string
}

/**
 * The one result of a confirmation, from main's per-row outcomes to the view:
 * `answered` — the card signed and every row has its outcome (some may have failed on the platform);
 * `stopped` — nothing was answered (wrong PIN, card removed, cancelled…): the PIN dialog stays
 * open with the error and the user decides whether to type the PIN again.
 */
export type ConfirmationResult =
  | { kind: 'answered'; outcomes: DecisionOutcome[]; ok: number; failed: number }
  | { kind: 'stopped'; error: AppErrorPayload }

/** The confirmation in progress: what will be signed, whether the card is working, its error. */
export interface ConfirmationState {
  items: AnswerItem[]
  busy: boolean
  error: AppErrorPayload | null
}

const MAX_ROWS = 10_000
const PAGE = 500
const SAVED_KEY = 'eccs.delegations.query'

/** Checks the form before anything is sent (dates readable, 迄 not before 起). */
export function validateQuery(form: QueryForm): QueryFieldError | null {
  if (form.houseBillNo.trim()) return null // a house bill number overrides the dates
  const from = form.dateFrom.trim() ? parseDateInput(form.dateFrom) : ''
  const to = form.dateTo.trim() ? parseDateInput(form.dateTo) : ''
  if (from === null) return { field: 'dateFrom', problem: 'invalid' }
  if (to === null) return { field: 'dateTo', problem: 'invalid' }
  if (from && to && to < from) return { field: 'dateTo', problem: 'endBeforeStart' }
  return null
}

/** The API query for `form` (valid per validateQuery) and a page number. */
export function toQuery(form: QueryForm, page: number): DelegationQuery {
  const q: DelegationQuery = { page, pageSize: PAGE, sort: 'declarationDate:desc' }
  if (form.direction) q.direction = form.direction
  if (form.status) q.status = form.status
  // 報關日期起迄 or 分提單號碼: a house bill number overrides the dates.
  if (form.houseBillNo.trim()) q.houseBillNo = form.houseBillNo.trim()
  else {
    const from = parseDateInput(form.dateFrom)
    const to = parseDateInput(form.dateTo)
    if (from) q.dateFrom = from
    if (to) q.dateTo = to
  }
  return q
}

/** Sorted copy; 申報價值 sorts within a currency (currency code first, then the amount). */
export function sortRows(rows: Delegation[], key: SortKey, dir: 'asc' | 'desc'): Delegation[] {
  const sign = dir === 'asc' ? 1 : -1
  return [...rows].sort((a, b) => {
    let c: number
    if (key === 'declaredValue') c = a.currency.localeCompare(b.currency) || a.declaredValue - b.declaredValue
    else {
      const x = a[key]
      const y = b[key]
      c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
    }
    return c !== 0 ? c * sign : a.id.localeCompare(b.id)
  })
}

function loadSaved(): { form: QueryForm; searched: boolean } | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(SAVED_KEY)
    if (!raw) return null
    const v = JSON.parse(raw) as { form?: Partial<QueryForm>; searched?: unknown }
    const f = v.form ?? {}
    const str = (x: unknown): string => (typeof x === 'string' ? x.slice(0, 64) : '')
    const direction = f.direction === 'IMPORT' || f.direction === 'EXPORT' ? f.direction : ''
    const status = f.status === 'PENDING' || f.status === 'MATCH' || f.status === 'MISMATCH' ? f.status : ''
    return {
      form: { direction, status, dateFrom: str(f.dateFrom), dateTo: str(f.dateTo), houseBillNo: str(f.houseBillNo) },
      searched: v.searched === true
    }
  } catch {
    return null
  }
}

export const useDelegationsStore = defineStore('delegations', () => {
  const saved = loadSaved()
  const form = ref<QueryForm>(saved?.form ?? { direction: '', dateFrom: '', dateTo: '', houseBillNo: '', status: '' })
  const rows = ref<Delegation[]>([])
  const total = ref(0)
  /** Set when the offline history is off this session (cache could not be opened): why. */
  const historyOff = ref<AppErrorPayload | null>(null)
  /** Set when the offline cache answered: when it was last synced with the platform. */
  const fromCache = ref<{ lastSyncedAt: string | null } | null>(null)
  const searched = ref(false)
  const loading = ref(false)
  const error = ref<AppErrorPayload | null>(null)
  const fieldError = ref<QueryFieldError | null>(null)
  const sortKey = ref<SortKey>('declarationDate')
  const sortDir = ref<'asc' | 'desc'>('desc')
  const selected = ref<Set<string>>(new Set())
  const outcomes = ref<Map<string, DecisionOutcome>>(new Map())
  const pendingCount = ref<number | null>(null)
  const confirmation = ref<ConfirmationState | null>(null)
  const lastResult = ref<ConfirmationResult | null>(null)
  /** A reload re-runs the last query once (the page survives a reload with its results). */
  let restorePending = saved?.searched === true

  const sorted = computed(() => sortRows(rows.value, sortKey.value, sortDir.value))
  // In the table's order, so the PIN dialog lists (and the card signs) the rows as the user sees them.
  const selectedPending = computed(() => sorted.value.filter((r) => selected.value.has(r.id) && r.status === 'PENDING'))

  // The query (never results or answers) is kept for this window's session only.
  watch(
    [form, searched],
    () => {
      try {
        globalThis.sessionStorage?.setItem(SAVED_KEY, JSON.stringify({ form: form.value, searched: searched.value }))
      } catch {
        // storage unavailable: a reload starts with an empty form
      }
    },
    { deep: true }
  )

  function clearResults(): void {
    rows.value = []
    total.value = 0
    fromCache.value = null
    searched.value = false
    selected.value = new Set()
    outcomes.value = new Map()
  }

  /** Runs the query; a form problem or a failure clears the previous results (never stale rows). */
  async function search(): Promise<void> {
    restorePending = false
    error.value = null
    fieldError.value = validateQuery(form.value)
    if (fieldError.value) {
      clearResults()
      return
    }
    loading.value = true
    selected.value = new Set()
    outcomes.value = new Map()
    lastResult.value = null
    try {
      const all: Delegation[] = []
      for (let page = 1; ; page++) {
        const r = await eccs.queryDelegations(toQuery(form.value, page))
        if (!r.ok) {
          error.value = r.error
          clearResults()
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

  /** After a reload: re-runs the query the page showed, once. */
  async function restore(): Promise<void> {
    if (restorePending && rows.value.length === 0) await search()
    restorePending = false
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

  /** Opens the PIN step for `items` (one row, or a batch); the dialog names what will be signed. */
  function askToConfirm(items: AnswerItem[]): void {
    if (items.length === 0) return
    lastResult.value = null
    confirmation.value = { items, busy: false, error: null }
    // Main prepares the rows (delegation + challenge, nothing signed) while the PIN is typed, so OK
    // costs only the card and the submission. Best effort: what is not ready then is prepared then.
    void eccs.prepareDecisions({ ids: items.map((i) => i.id) }).catch(() => undefined)
  }

  /** Closes the PIN step; a card operation under way is cancelled in main. */
  function cancelConfirmation(): void {
    if (confirmation.value?.busy) void eccs.cancelCardOperation()
    confirmation.value = null
  }

  /**
   * Signs and submits the open confirmation with `pin` and its dialog's ticket (used once, never kept). On `answered` the
   * rows are replaced by the platform's answer and the dialog closes — unless the only row failed,
   * which stays open with its error like a `stopped` result.
   */
  async function submitPin(pin: PinEntry): Promise<ConfirmationResult | null> {
    const c = confirmation.value
    if (!c || c.busy) return null
    c.busy = true
    c.error = null
    try {
      const r = await eccs.decideDelegations({
        items: c.items.map((i) => ({
          id: i.id,
          houseBillNo: i.houseBillNo,
          decision: i.decision,
          reason: i.decision === 'MISMATCH' ? i.reason : ''
        })),
        ...pin
      })
      const result: ConfirmationResult = r.ok
        ? {
            kind: 'answered',
            outcomes: r.value.results,
            ok: r.value.results.filter((o) => o.ok).length,
            failed: r.value.results.filter((o) => !o.ok).length
          }
        : { kind: 'stopped', error: r.error }
      if (result.kind === 'answered') {
        const next = new Map(outcomes.value)
        for (const o of result.outcomes) {
          next.set(o.id, o)
          if (o.ok) replace(o.delegation)
        }
        outcomes.value = next
        selected.value = new Set([...selected.value].filter((id) => !next.get(id)?.ok))
        void refreshPending()
      }
      const single = result.kind === 'answered' && result.outcomes.length === 1 ? result.outcomes[0] : undefined
      const dialogError = result.kind === 'stopped' ? result.error : single && !single.ok ? single.error : null
      if (dialogError) c.error = dialogError
      else confirmation.value = null
      lastResult.value = result
      return result
    } finally {
      c.busy = false
    }
  }

  /** Returns how many new pending delegations appeared since the last check. */
  async function refreshPending(): Promise<number> {
    const r = await eccs.getPendingCount()
    if (!r.ok) return 0
    const before = pendingCount.value
    pendingCount.value = r.value.count
    return before !== null && r.value.count > before ? r.value.count - before : 0
  }

  /** Logged out: forget results, answers and the saved query. */
  function reset(): void {
    clearResults()
    confirmation.value = null
    lastResult.value = null
    pendingCount.value = null
    form.value = { direction: '', dateFrom: '', dateTo: '', houseBillNo: '', status: '' }
    restorePending = false
    try {
      globalThis.sessionStorage?.removeItem(SAVED_KEY)
    } catch {
      // nothing kept
    }
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

  return {
    exportResults,
    form,
    rows,
    sorted,
    total,
    fromCache,
    historyOff,
    searched,
    loading,
    error,
    fieldError,
    sortKey,
    sortDir,
    selected,
    selectedPending,
    outcomes,
    pendingCount,
    confirmation,
    lastResult,
    search,
    restore,
    toggleSort,
    toggle,
    selectAllPending,
    askToConfirm,
    cancelConfirmation,
    submitPin,
    refreshPending,
    reset
  }
})
