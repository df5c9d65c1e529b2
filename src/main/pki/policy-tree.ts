import { OID, type StrictCertificate } from './x509-strict'

// RFC 5280 §6.1.2 (a), §6.1.3 (d)–(f), §6.1.4 (a), (b), (h)–(j), §6.1.5 (a), (b), (g): the
// valid_policy_tree and the three policy counters. Kept apart from path-validation.ts because it
// is the one part of §6.1 with its own data structure.

const ANY = OID.anyPolicy

interface PolicyNode {
  validPolicy: string
  qualifiers: Buffer | null
  expected: Set<string>
  parent: PolicyNode | null
  children: PolicyNode[]
  depth: number
}

/** The caller's policy inputs (§6.1.1 (c), (e), (f), (g)). */
export interface PolicyInputs {
  /** user-initial-policy-set; empty or absent = {anyPolicy}. */
  initialPolicySet?: string[]
  initialExplicitPolicy?: boolean
  initialPolicyMappingInhibit?: boolean
  initialAnyPolicyInhibit?: boolean
}

/** Thrown by PolicyState when a step fails; path-validation maps it to the `policy` reason. */
export class PolicyFailure extends Error {}

/**
 * Policy processing over a path of `n` certificates (anchor excluded). Call `processCertificate`
 * for certificates 1…n, `prepareNext` for 1…n-1, then `wrapUp` with the leaf.
 */
export class PolicyState {
  private root: PolicyNode | null
  private explicitPolicy: number
  private policyMapping: number
  private inhibitAnyPolicy: number
  private readonly userSet: Set<string>

  constructor(
    private readonly n: number,
    inputs: PolicyInputs = {}
  ) {
    this.root = { validPolicy: ANY, qualifiers: null, expected: new Set([ANY]), parent: null, children: [], depth: 0 }
    this.explicitPolicy = inputs.initialExplicitPolicy ? 0 : n + 1
    this.policyMapping = inputs.initialPolicyMappingInhibit ? 0 : n + 1
    this.inhibitAnyPolicy = inputs.initialAnyPolicyInhibit ? 0 : n + 1
    const set = inputs.initialPolicySet ?? []
    this.userSet = new Set(set.length ? set : [ANY])
  }

  private level(depth: number): PolicyNode[] {
    const out: PolicyNode[] = []
    const walk = (node: PolicyNode): void => {
      if (node.depth === depth) out.push(node)
      else for (const c of node.children) walk(c)
    }
    if (this.root) walk(this.root)
    return out
  }

  private addChild(parent: PolicyNode, validPolicy: string, qualifiers: Buffer | null, expected: Set<string>): void {
    parent.children.push({ validPolicy, qualifiers, expected, parent, children: [], depth: parent.depth + 1 })
  }

  private remove(node: PolicyNode): void {
    if (!node.parent) this.root = null
    else node.parent.children = node.parent.children.filter((c) => c !== node)
  }

  /** Deletes nodes above `depth` left without children, bottom up (§6.1.3 (d)(3)). */
  private prune(depth: number): void {
    for (let d = depth - 1; d >= 0 && this.root; d--)
      for (const node of this.level(d)) if (node.children.length === 0) this.remove(node)
  }

  /** §6.1.3 (d), (e), (f) for certificate i (1-based). */
  processCertificate(cert: StrictCertificate, i: number): void {
    const selfIssued = cert.subject.key === cert.issuer.key
    if (this.root && cert.policies) {
      const parents = this.level(i - 1)
      let anyQualifiers: Buffer | null | undefined
      for (const p of cert.policies) {
        if (p.oid === ANY) {
          anyQualifiers = p.qualifiers
          continue
        }
        const matching = parents.filter((node) => node.expected.has(p.oid))
        for (const node of matching) this.addChild(node, p.oid, p.qualifiers, new Set([p.oid]))
        if (matching.length === 0)
          for (const node of parents.filter((x) => x.validPolicy === ANY))
            this.addChild(node, p.oid, p.qualifiers, new Set([p.oid]))
      }
      if (anyQualifiers !== undefined && (this.inhibitAnyPolicy > 0 || (i < this.n && selfIssued))) {
        for (const node of parents) {
          for (const value of node.expected) {
            if (!node.children.some((c) => c.validPolicy === value))
              this.addChild(node, value, anyQualifiers, new Set([value]))
          }
        }
      }
      this.prune(i)
      if (this.root && this.level(i).length === 0) this.root = null
    } else if (!cert.policies) {
      this.root = null
    }
    if (this.explicitPolicy <= 0 && !this.root)
      throw new PolicyFailure(`no acceptable certificate policy at ${cert.subject.text}`)
  }

  /** §6.1.4 (a), (b), (h), (i), (j) after certificate i (1-based, i < n). */
  prepareNext(cert: StrictCertificate, i: number): void {
    const mappings = cert.policyMappings ?? []
    if (mappings.some((m) => m.issuerDomain === ANY || m.subjectDomain === ANY))
      throw new PolicyFailure(`${cert.subject.text} maps anyPolicy`)
    if (mappings.length && this.root) {
      const byIssuer = new Map<string, Set<string>>()
      for (const m of mappings)
        byIssuer.set(m.issuerDomain, (byIssuer.get(m.issuerDomain) ?? new Set()).add(m.subjectDomain))
      for (const [idp, subjects] of byIssuer) {
        const nodes = this.level(i).filter((x) => x.validPolicy === idp)
        if (this.policyMapping > 0) {
          if (nodes.length) for (const node of nodes) node.expected = new Set(subjects)
          else {
            const any = this.level(i).find((x) => x.validPolicy === ANY)
            if (any?.parent) this.addChild(any.parent, idp, any.qualifiers, new Set(subjects))
          }
        } else {
          for (const node of nodes) this.remove(node)
          this.prune(i)
          if (this.root && this.level(i).length === 0) this.root = null
        }
      }
    }
    if (cert.subject.key !== cert.issuer.key) {
      if (this.explicitPolicy > 0) this.explicitPolicy--
      if (this.policyMapping > 0) this.policyMapping--
      if (this.inhibitAnyPolicy > 0) this.inhibitAnyPolicy--
    }
    const pc = cert.policyConstraints
    if (pc?.requireExplicitPolicy !== null && pc?.requireExplicitPolicy !== undefined)
      this.explicitPolicy = Math.min(this.explicitPolicy, pc.requireExplicitPolicy)
    if (pc?.inhibitPolicyMapping !== null && pc?.inhibitPolicyMapping !== undefined)
      this.policyMapping = Math.min(this.policyMapping, pc.inhibitPolicyMapping)
    if (cert.inhibitAnyPolicy !== null) this.inhibitAnyPolicy = Math.min(this.inhibitAnyPolicy, cert.inhibitAnyPolicy)
  }

  /** §6.1.5 (a), (b), (g) with the leaf; returns the authorities-constrained ∩ user policies (OIDs). */
  wrapUp(leaf: StrictCertificate): string[] {
    if (this.explicitPolicy > 0) this.explicitPolicy--
    if (leaf.policyConstraints?.requireExplicitPolicy === 0) this.explicitPolicy = 0
    const n = this.n
    if (this.root && !this.userSet.has(ANY)) {
      // valid_policy_node_set: nodes whose parent is an anyPolicy node.
      const set: PolicyNode[] = []
      const walk = (node: PolicyNode): void => {
        for (const c of node.children) {
          if (node.validPolicy === ANY) set.push(c)
          walk(c)
        }
      }
      walk(this.root)
      for (const node of set) if (node.validPolicy !== ANY && !this.userSet.has(node.validPolicy)) this.remove(node)
      const anyLeaf = this.level(n).find((x) => x.validPolicy === ANY)
      if (anyLeaf?.parent) {
        const parent = anyLeaf.parent
        const present = new Set(set.filter((x) => x.depth === n && x.parent === parent).map((x) => x.validPolicy))
        for (const p of this.userSet) if (!present.has(p)) this.addChild(parent, p, anyLeaf.qualifiers, new Set([p]))
        this.remove(anyLeaf)
      }
      this.prune(n)
      if (this.root && this.level(n).length === 0) this.root = null
    }
    if (this.explicitPolicy <= 0 && !this.root)
      throw new PolicyFailure('the path does not assert an acceptable certificate policy')
    return this.root ? [...new Set(this.level(n).map((x) => x.validPolicy))] : []
  }
}
