import type { GeneralName, Name, StrictCertificate } from './x509-strict'

// RFC 5280 §4.2.1.10 / §6.1.3 (b), (c) / §6.1.4 (g): name constraints. Each CA's permitted
// subtrees are kept as one set (a name must fall in some subtree of its type in every set that
// has its type — the same as checking the intersection); excluded subtrees are a union.

export interface NameConstraintState {
  permitted: GeneralName[][]
  excluded: GeneralName[]
}

export function initialNameConstraints(): NameConstraintState {
  return { permitted: [], excluded: [] }
}

/** §6.1.4 (g): adds a CA certificate's constraints. */
export function addNameConstraints(state: NameConstraintState, cert: StrictCertificate): void {
  const nc = cert.nameConstraints
  if (!nc) return
  if (nc.permitted) state.permitted.push(nc.permitted)
  if (nc.excluded) state.excluded.push(...nc.excluded)
}

function dnWithin(name: Name, base: Name): boolean {
  return base.rdns.length <= name.rdns.length && base.rdns.every((r, i) => r === name.rdns[i])
}

function hostWithin(host: string, constraint: string): boolean {
  const h = host.toLowerCase()
  const c = constraint.toLowerCase()
  if (c === '') return true
  if (c.startsWith('.')) return h.endsWith(c)
  return h === c || h.endsWith(`.${c}`)
}

function emailWithin(email: string, constraint: string): boolean {
  const at = email.lastIndexOf('@')
  if (at < 0) return false
  const domain = email.slice(at + 1).toLowerCase()
  if (constraint.includes('@'))
    return (
      email.slice(0, at) === constraint.slice(0, constraint.lastIndexOf('@')) &&
      domain === constraint.slice(constraint.lastIndexOf('@') + 1).toLowerCase()
    )
  if (constraint.startsWith('.')) return domain.endsWith(constraint.toLowerCase())
  return domain === constraint.toLowerCase()
}

function uriHost(uri: string): string | null {
  try {
    return new URL(uri).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return null
  }
}

function uriWithin(uri: string, constraint: string): boolean {
  const host = uriHost(uri)
  if (host === null) return false
  const c = constraint.toLowerCase()
  return c.startsWith('.') ? host.toLowerCase().endsWith(c) : host.toLowerCase() === c
}

function ipWithin(addr: Buffer, constraint: Buffer): boolean {
  const len = constraint.length / 2
  if (addr.length !== len) return false
  for (let i = 0; i < len; i++)
    if (
      ((addr[i] as number) & (constraint[len + i] as number)) !==
      ((constraint[i] as number) & (constraint[len + i] as number))
    )
      return false
  return true
}

/** Whether `name` falls inside `subtree` (same type only; other types never match). */
function within(name: GeneralName, subtree: GeneralName): boolean {
  if (name.type !== subtree.type) return false
  switch (name.type) {
    case 'directory':
      return subtree.type === 'directory' && dnWithin(name.name, subtree.name)
    case 'rfc822':
      return subtree.type === 'rfc822' && emailWithin(name.value, subtree.value)
    case 'dns':
      return subtree.type === 'dns' && hostWithin(name.value, subtree.value)
    case 'uri':
      return subtree.type === 'uri' && uriWithin(name.value, subtree.value)
    case 'ip':
      return subtree.type === 'ip' && ipWithin(name.bytes, subtree.bytes)
    default:
      return false
  }
}

/** The names of a certificate that constraints apply to: subject DN, DN e-mails, subjectAltName. */
function namesOf(cert: StrictCertificate): GeneralName[] {
  const out: GeneralName[] = []
  if (cert.subject.rdns.length) out.push({ type: 'directory', name: cert.subject })
  for (const e of cert.subject.emails) out.push({ type: 'rfc822', value: e })
  out.push(...cert.subjectAltNames)
  return out
}

/** §6.1.3 (b), (c): the first name of `cert` outside the permitted or inside an excluded subtree, or null. */
export function nameConstraintViolation(state: NameConstraintState, cert: StrictCertificate): string | null {
  for (const name of namesOf(cert)) {
    if (name.type === 'other') continue
    for (const set of state.permitted) {
      const ofType = set.filter((s) => s.type === name.type)
      if (ofType.length && !ofType.some((s) => within(name, s)))
        return `${describe(name)} is outside the permitted subtrees`
    }
    if (state.excluded.some((s) => within(name, s))) return `${describe(name)} is in an excluded subtree`
  }
  return null
}

function describe(name: GeneralName): string {
  switch (name.type) {
    case 'directory':
      return `DN ${name.name.text}`
    case 'ip':
      return `IP ${name.bytes.toString('hex')}`
    case 'other':
      return 'name'
    default:
      return `${name.type} ${name.value}`
  }
}
