import { z } from 'zod'

// Unsaved edits of 個人帳號資料維護 (聯絡電話, E-mail, 地址) survive a reload of this window: they are
// kept in sessionStorage (this tab only, gone when it closes) under the account they were typed
// for, restored with a notice and a discard button, and removed on save, on discard and on logout.
// Never a password or a PIN: the draft schema has no field for one.

const KEY = 'eccs.profileDraft'

/** The non-secret profile fields a user edits on the screen. */
export interface ProfileDraftFields {
  phone: string
  email: string
  address: string
}

// Typed text may still be invalid (the save validates it); the bound only caps what is stored.
const field = z.string().max(1000)
const StoredDraft = z
  .object({
    account: z.string().min(1).max(64),
    fields: z.object({ phone: field, email: field, address: field }).strict()
  })
  .strict()

const storage = (): Storage | undefined => {
  try {
    return globalThis.sessionStorage
  } catch {
    return undefined // storage blocked: drafts are simply not kept
  }
}

/**
 * The draft kept for `account`, or null (none, another account's, or unreadable — the latter is
 * removed). Returns the three fields exactly as typed.
 */
export function loadProfileDraft(account: string): ProfileDraftFields | null {
  try {
    const raw = storage()?.getItem(KEY)
    if (!raw) return null
    const parsed = StoredDraft.safeParse(JSON.parse(raw))
    if (!parsed.success) {
      clearProfileDraft()
      return null
    }
    return parsed.data.account === account ? parsed.data.fields : null
  } catch {
    clearProfileDraft()
    return null
  }
}

/** Keeps `fields` as the unsaved draft of `account` (replacing any earlier draft). */
export function saveProfileDraft(account: string, fields: ProfileDraftFields): void {
  const draft = StoredDraft.safeParse({
    account,
    fields: { phone: fields.phone, email: fields.email, address: fields.address }
  })
  try {
    if (draft.success) storage()?.setItem(KEY, JSON.stringify(draft.data))
    else clearProfileDraft() // too long to keep: better none than a cut one
  } catch {
    // storage full or blocked: a reload loses the draft, as before
  }
}

/** Forgets the draft (saved, discarded, logged out). */
export function clearProfileDraft(): void {
  try {
    storage()?.removeItem(KEY)
  } catch {
    // nothing kept
  }
}
