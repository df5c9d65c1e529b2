import { AppError } from '../../shared/errors'
import { DelegationQuery } from '../../shared/delegation'

// DelegationQuery → SQL with server-mock's GET /delegations semantics: exact, case-insensitive 分提單號碼
// (bills are upper-case), inclusive 報關日期 range, ties broken by id in the sort direction, NULLs
// (unanswered confirmedAt) first ascending / last descending as SQLite orders them on both sides.

const SORT_COLUMNS = {
  declarationDate: 'declaration_date',
  houseBillNo: 'house_bill_no',
  direction: 'direction',
  carrier: 'carrier',
  declaredValue: 'declared_value',
  status: 'status',
  confirmedAt: 'confirmed_at',
  updatedAt: 'updated_at'
} as const

export type QueryParams = Record<string, string | number>

export interface QuerySql {
  /** Validated query with defaults applied. */
  query: DelegationQuery
  where: string
  orderBy: string
  params: QueryParams
  countSql: string
  /** The page, found through the filter indexes and then sorted: best when few rows match. */
  pageSql: string
  /** The page, read in order from the sort column's index and filtered there: best when many match. */
  orderedPageSql: string
  /** All matching rows in order, no paging (exports). */
  allSql: string
}

/** Validates `input` (zod, defaults) and builds the statements; VALIDATION_FAILED on bad input. */
export function buildQuerySql(input: unknown): QuerySql {
  const parsed = DelegationQuery.safeParse(input ?? {})
  if (!parsed.success)
    throw new AppError(
      'VALIDATION_FAILED',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    )
  const q = parsed.data
  if (q.dateFrom && q.dateTo && q.dateFrom > q.dateTo)
    throw new AppError('VALIDATION_FAILED', 'dateFrom must not be after dateTo')
  const conditions: [column: string, test: string][] = []
  const params: QueryParams = {}
  if (q.direction) {
    conditions.push(['direction', '= @direction'])
    params.direction = q.direction
  }
  if (q.status) {
    conditions.push(['status', '= @status'])
    params.status = q.status
  }
  if (q.dateFrom) {
    conditions.push(['declaration_date', '>= @dateFrom'])
    params.dateFrom = q.dateFrom
  }
  if (q.dateTo) {
    conditions.push(['declaration_date', '<= @dateTo'])
    params.dateTo = q.dateTo
  }
  if (q.houseBillNo) {
    conditions.push(['house_bill_no', '= @houseBillNo'])
    params.houseBillNo = q.houseBillNo.trim().toUpperCase()
  }
  const [field, dir] = q.sort.split(':') as [keyof typeof SORT_COLUMNS, 'asc' | 'desc']
  const direction = dir === 'asc' ? 'ASC' : 'DESC'
  const sortColumn = SORT_COLUMNS[field]
  const orderBy = `${sortColumn} ${direction}, id ${direction}`
  const whereOf = (prefix: (column: string) => string): string =>
    conditions.length > 0 ? `WHERE ${conditions.map(([c, t]) => `${prefix(c)}${c} ${t}`).join(' AND ')}` : ''
  const where = whereOf(() => '')
  // Unary + makes a column unusable for index lookups, so SQLite walks the sort index instead (an
  // equality on the sort column itself stays usable: it is that index's prefix).
  const unindexedWhere = whereOf((c) => (c === sortColumn ? '' : '+'))
  params.limit = q.pageSize
  params.offset = (q.page - 1) * q.pageSize
  return {
    query: q,
    where,
    orderBy,
    params,
    countSql: `SELECT COUNT(*) AS n FROM delegations ${where}`,
    pageSql: `SELECT * FROM delegations ${where} ORDER BY ${orderBy} LIMIT @limit OFFSET @offset`,
    orderedPageSql: `SELECT * FROM delegations ${unindexedWhere} ORDER BY ${orderBy} LIMIT @limit OFFSET @offset`,
    allSql: `SELECT * FROM delegations ${where} ORDER BY ${orderBy}`
  }
}

/** What the page planner knows about the table: O(log n) to read, see DelegationCache. */
export interface TableShape {
  /** max(rowid): about the number of rows. */
  rows: number
  /** Oldest and newest 報關日期 in the cache. */
  minDate: string | null
  maxDate: string | null
}

/**
 * Which page statement to run, given how many rows match (`total`, counted first). Sorting by
 * 報關日期 is always an index walk. Otherwise the filter route costs a table lookup per match
 * (LOOKUP_COST index entries each), the ordered route one index entry per row it passes: about
 * rows/total per row returned, plus — for updatedAt/confirmedAt, which follow 報關日期 — the rows
 * dated beyond the date filter that the walk meets first.
 */
export function choosePageSql(sql: QuerySql, total: number, shape: TableShape): string {
  const [field, dir] = sql.query.sort.split(':') as [string, 'asc' | 'desc']
  if (field === 'declarationDate' || sql.query.houseBillNo !== undefined || total === 0 || shape.rows === 0)
    return sql.pageSql
  const needed = Math.min(total, sql.query.page * sql.query.pageSize)
  let scannedInOrder = (needed * shape.rows) / total
  if ((field === 'updatedAt' || field === 'confirmedAt') && shape.minDate && shape.maxDate) {
    const span = Math.max(1, days(shape.minDate, shape.maxDate))
    const outside =
      dir === 'desc'
        ? sql.query.dateTo
          ? days(sql.query.dateTo, shape.maxDate)
          : 0
        : sql.query.dateFrom
          ? days(shape.minDate, sql.query.dateFrom)
          : 0
    scannedInOrder += (Math.min(span, Math.max(0, outside)) / span) * shape.rows
  }
  return scannedInOrder < total * LOOKUP_COST ? sql.orderedPageSql : sql.pageSql
}

function days(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000
}

/** A table lookup plus sorting costs about this many index entries read in order (measured, bench/cache). */
const LOOKUP_COST = 8

/** The named parameters a statement actually uses (better-sqlite3 rejects extra ones). */
export function paramsFor(sql: string, params: QueryParams): QueryParams {
  return Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`@${k}`)))
}
