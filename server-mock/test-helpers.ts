// Helpers for server-mock tests: start a server on an ephemeral port with the generated test PKI,
// an HTTPS client that trusts only the dev CA, and signing with a citizen's key (as the card would).
import { constants, sign as cryptoSign } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { identityRecordsOf, loadOrGenerateTestPki, type IssuedCitizen, type TestPki } from './test-pki'
import { buildAuthSignedData, buildDecisionStatement, type ChallengePurpose, type Decision } from './protocol'
import { startMockServer, type MockServer, type MockServerOptions } from './server'

export interface TestServer {
  server: MockServer
  pki: TestPki
  api: ApiClient
  close(): Promise<void>
}

export interface PkiFiles {
  root: string
  moica: string
  moicaKey: string
  crl: string
  validSignCert: string
  rogueRoot: string
  rogueMoica: string
}

/** Writes the in-memory PKI to `dir`, so a concurrent regeneration of the shared cache cannot mix generations. */
export function writePkiFiles(pki: TestPki, dir: string): PkiFiles {
  mkdirSync(dir, { recursive: true })
  const files: PkiFiles = {
    root: join(dir, 'root.pem'),
    moica: join(dir, 'moica.pem'),
    moicaKey: join(dir, 'moica.key.pem'),
    crl: join(dir, 'moica.crl.pem'),
    validSignCert: join(dir, 'valid-sign.pem'),
    rogueRoot: join(dir, 'rogue-root.pem'),
    rogueMoica: join(dir, 'rogue-moica.pem')
  }
  writeFileSync(files.rogueRoot, pki.rogueRoot.certPem)
  writeFileSync(files.rogueMoica, pki.rogueMoica.certPem)
  writeFileSync(files.root, pki.root.certPem)
  writeFileSync(files.moica, pki.moica.certPem)
  writeFileSync(files.moicaKey, pki.moica.keyPem)
  writeFileSync(files.crl, pki.crlPem)
  writeFileSync(files.validSignCert, pki.citizens.valid.signCertPem)
  return files
}

export async function startTestServer(overrides: Partial<MockServerOptions> = {}): Promise<TestServer> {
  const pki = await loadOrGenerateTestPki()
  const dataDir = mkdtempSync(join(tmpdir(), 'server-mock-test-'))
  const files = writePkiFiles(pki, join(dataDir, 'pki'))
  const server = await startMockServer({
    dataDir,
    port: 0,
    anchors: [files.root],
    intermediates: [files.moica],
    crls: [files.crl],
    ocsp: { issuerCertPath: files.moica, issuerKeyPath: files.moicaKey },
    seed: { delegationsPerAccount: 30, rng: 7, demoCertificatePath: files.validSignCert },
    identityRecords: identityRecordsOf(pki),
    dev: true,
    validateResponses: true,
    ...overrides
  })
  const api = new ApiClient(server)
  return {
    server,
    pki,
    api,
    async close() {
      await server.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

export interface ApiResponse<T = any> {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: T
}

export interface RequestOptions {
  token?: string | null
  raw?: string | Buffer
  contentType?: string | null
  headers?: Record<string, string>
  /** Source address (e.g. 127.0.0.2: another client on the loopback network). */
  localAddress?: string
}

export class ApiClient {
  readonly ca: string
  token: string | null = null

  /** Only the server's address and dev CA are used: a server in another process works too. */
  constructor(readonly server: Pick<MockServer, 'url' | 'caCertPath'>) {
    this.ca = readFileSync(server.caCertPath, 'utf8')
  }

  withToken(token: string | null): ApiClient {
    const c = new ApiClient(this.server)
    c.token = token
    return c
  }

  request<T = any>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(`/api/v1${path}`, this.server.url)
    const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body))
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
    const token = opts.token === undefined ? this.token : opts.token
    if (token) headers.authorization = `Bearer ${token}`
    if (payload !== undefined) {
      if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json'
      headers['content-length'] = String(Buffer.byteLength(payload))
    }
    return new Promise((resolvePromise, reject) => {
      const req = httpsRequest(
        url,
        { method, headers, ca: this.ca, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let parsed: unknown = undefined
            if (text !== '') {
              try {
                parsed = JSON.parse(text)
              } catch {
                parsed = text
              }
            }
            resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: parsed as T })
          })
        }
      )
      req.on('error', reject)
      if (payload !== undefined) req.write(payload)
      req.end()
    })
  }

  get<T = any>(path: string, opts?: RequestOptions) {
    return this.request<T>('GET', path, undefined, opts)
  }
  post<T = any>(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request<T>('POST', path, body, opts)
  }
  patch<T = any>(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request<T>('PATCH', path, body, opts)
  }
  delete<T = any>(path: string, opts?: RequestOptions) {
    return this.request<T>('DELETE', path, undefined, opts)
  }
}

/** RSASSA-PKCS1-v1_5 / SHA-256 with the citizen's signing key, base64. */
export function signRs256(citizen: IssuedCitizen, data: Buffer): string {
  return cryptoSign('sha256', data, { key: citizen.signKeyPem, padding: constants.RSA_PKCS1_PADDING }).toString(
    'base64'
  )
}

export interface Challenge {
  challengeId: string
  nonce: string
  purpose: ChallengePurpose
  expiresAt: string
}

export async function getChallenge(
  api: ApiClient,
  purpose: ChallengePurpose,
  extra: { registrationId?: string; delegationId?: string } = {}
): Promise<Challenge> {
  const res = await api.post<Challenge>('/challenges', { purpose, ...extra })
  if (res.status !== 201) throw new Error(`challenge failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

/** Authentication token for `challenge`, signed by `citizen` (optionally with another citizen's certificate). */
export function authToken(
  origin: string,
  challenge: Challenge,
  citizen: IssuedCitizen,
  certOf: IssuedCitizen = citizen
) {
  return {
    challengeId: challenge.challengeId,
    certificate: certOf.signCertDer.toString('base64'),
    signature: signRs256(citizen, buildAuthSignedData(origin, challenge.nonce)),
    algorithm: 'RS256' as const
  }
}

export function decisionBody(
  origin: string,
  challenge: Challenge,
  citizen: IssuedCitizen,
  d: { id: string; houseBillNo: string },
  decision: Decision,
  reason: string | undefined,
  idempotencyKey: string,
  signedFields?: Partial<{
    decision: Decision
    reason: string
    houseBillNo: string
    delegationId: string
    origin: string
  }>
) {
  const statement = buildDecisionStatement({
    origin: signedFields?.origin ?? origin,
    nonce: challenge.nonce,
    delegationId: signedFields?.delegationId ?? d.id,
    houseBillNo: signedFields?.houseBillNo ?? d.houseBillNo,
    decision: signedFields?.decision ?? decision,
    reason: signedFields?.reason ?? reason ?? ''
  })
  return {
    decision,
    ...(reason !== undefined ? { reason } : {}),
    challengeId: challenge.challengeId,
    certificate: citizen.signCertDer.toString('base64'),
    signature: signRs256(citizen, statement),
    algorithm: 'RS256' as const,
    idempotencyKey
  }
}

export async function loginPassword(api: ApiClient, account: string, password: string): Promise<string> {
  const res = await api.post<{ token: string }>('/sessions/password', { account, password })
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.token
}
