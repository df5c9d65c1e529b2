import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

const Hex = z.string().regex(/^([0-9A-F]{2})+$/)

const CardTableFile = z.object({
  version: z.literal(1),
  cards: z.array(z.object({ id: z.string(), name: z.string(), atr: Hex, mask: Hex, modules: z.string() })),
  moduleSets: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.array(z.string()))))
})
export type CardTable = z.infer<typeof CardTableFile>

/** A card entry added by policy (cardAtrs). */
export interface CardAtrEntry {
  atr: string
  mask?: string
  name: string
  modules: string[]
}

export interface CardMatch {
  id: string
  name: string
  /** Module candidates for this OS and architecture, in order. */
  modules: string[]
}

export function normalizeAtr(atr: Buffer | string): string {
  return (typeof atr === 'string' ? atr : atr.toString('hex')).replace(/[\s:]/g, '').toUpperCase()
}

export function loadCardTable(resourcesDir: string): CardTable {
  const file = join(resourcesDir, 'cards', 'card-table.json')
  return CardTableFile.parse(JSON.parse(readFileSync(file, 'utf8')))
}

function maskedEqual(atr: Buffer, pattern: Buffer, mask: Buffer): boolean {
  if (atr.length !== pattern.length || mask.length !== pattern.length) return false
  for (let i = 0; i < atr.length; i++) {
    if (((atr[i] ?? 0) & (mask[i] ?? 0)) !== ((pattern[i] ?? 0) & (mask[i] ?? 0))) return false
  }
  return true
}

/** Every module candidate the table lists for this OS and architecture (unknown cards are tried with these), in table order. */
export function platformModules(
  table: CardTable,
  platform: string = process.platform,
  arch: string = process.arch
): string[] {
  return [...new Set(Object.values(table.moduleSets).flatMap((set) => set[platform]?.[arch] ?? []))]
}

/**
 * The table with policy card entries (cardAtrs) first: each gets its own module set for this
 * platform. Mask defaults to all FF; hex is upper-cased.
 */
export function withPolicyCards(
  table: CardTable,
  entries: CardAtrEntry[],
  platform: string = process.platform,
  arch: string = process.arch
): CardTable {
  if (entries.length === 0) return table
  const moduleSets = { ...table.moduleSets }
  const cards = entries.map((e, i) => {
    const id = `policy-${i}`
    moduleSets[id] = { [platform]: { [arch]: e.modules } }
    const atr = normalizeAtr(e.atr)
    return { id, name: e.name, atr, mask: e.mask ? normalizeAtr(e.mask) : 'FF'.repeat(atr.length / 2), modules: id }
  })
  return { ...table, cards: [...cards, ...table.cards], moduleSets }
}

export function matchAtr(
  table: CardTable,
  atrHex: string,
  platform: string = process.platform,
  arch: string = process.arch
): CardMatch | null {
  const atr = Buffer.from(normalizeAtr(atrHex), 'hex')
  for (const card of table.cards) {
    if (maskedEqual(atr, Buffer.from(card.atr, 'hex'), Buffer.from(card.mask, 'hex'))) {
      const modules = table.moduleSets[card.modules]?.[platform]?.[arch] ?? []
      return { id: card.id, name: card.name, modules }
    }
  }
  return null
}
