import { z } from 'zod'

// The machine policy and user settings share one vocabulary: every key an administrator can lock
// is also a key a user may set (unless locked). This zod schema is the source of truth; the JSON
// Schema in resources/policy/policy.schema.json and the reference in docs/deployment.md are
// generated from it (`npx tsx src/main/policy/generate.ts`).

const ABSOLUTE_PATH = '^(/|[A-Za-z]:[\\\\/]|\\\\\\\\)'
const absolutePath = z
  .string()
  .min(1)
  .refine((p) => new RegExp(ABSOLUTE_PATH).test(p), { message: 'must be an absolute path' })
  .meta({ pattern: ABSOLUTE_PATH })

const httpsUrl = z
  .string()
  .refine((u) => URL.canParse(u), { message: 'must be a URL' })
  .refine((u) => !URL.canParse(u) || new URL(u).protocol === 'https:', { message: 'must use https://' })
  .refine((u) => !URL.canParse(u) || (new URL(u).username === '' && new URL(u).password === ''), {
    message: 'must not contain a user name or password'
  })
  .meta({ format: 'uri', pattern: '^https://' })

const proxyUrl = z
  .string()
  .refine((u) => u === 'system' || u === 'direct' || URL.canParse(u), { message: 'must be "system", "direct" or a proxy URL' })
  .refine((u) => u === 'system' || u === 'direct' || !URL.canParse(u) || ['http:', 'https:'].includes(new URL(u).protocol), {
    message: 'proxy URL must use http:// or https://'
  })
  .refine((u) => u === 'system' || u === 'direct' || !URL.canParse(u) || new URL(u).hostname !== '', { message: 'proxy URL needs a host' })

export const REVOCATION_MODES = ['off', 'soft-fail', 'hard-fail'] as const
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export const UPDATE_CHANNELS = ['latest', 'beta'] as const

/** One object, every key optional: a policy file locks the keys it names and nothing else. */
export const PolicySchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'Optional pointer to policy.schema.json for editors; ignored.' }),
    apiBaseUrl: httpsUrl.optional().meta({
      description: 'Base URL of the platform API (https only, no credentials), e.g. https://eccs.example.gov.tw. Overrides ECCS_API_URL.',
      examples: ['https://eccs.example.gov.tw']
    }),
    pkcs11Modules: z
      .array(absolutePath)
      .max(16)
      .optional()
      .meta({
        description: 'Absolute paths of PKCS#11 modules tried before the built-in HiCOS/OpenSC candidates, in order.',
        examples: [['C:\\Windows\\System32\\HiCOSPKCS11.dll']]
      }),
    extraCaCertificates: z
      .array(z.string().min(1))
      .max(32)
      .optional()
      .meta({
        description:
          'Extra CA certificates trusted for HTTPS (e.g. a TLS-inspecting proxy): each entry is PEM text or the absolute path of a PEM file. They are added to the system CAs; TLS verification can never be turned off. An unreadable or unparsable entry makes the policy invalid.',
        examples: [['/etc/ssl/certs/corp-proxy-ca.pem']]
      }),
    proxy: proxyUrl.optional().meta({
      description:
        '"system" (default; desktop app: the operating system\'s proxy settings with WPAD/PAC and NTLM/Negotiate sign-in, as the browser uses them; web host and command line: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment), "direct" (no proxy) or an explicit proxy URL such as http://proxy.corp:8080, optionally with user:password for Basic sign-in (HTTPS is tunnelled with CONNECT, http:// OCSP/CRL requests are sent to the proxy). Applies to all traffic: platform API, OCSP/CRL, update feed and doctor.',
      examples: ['http://proxy.corp.example:8080']
    }),
    proxyBypass: z
      .array(z.string().min(1).regex(/^[A-Za-z0-9.*:\-[\]]+$/, 'must be a host name, suffix (.corp.example) or IP'))
      .max(64)
      .optional()
      .meta({ description: 'Hosts reached without the explicit proxy (NO_PROXY syntax: host, .suffix, *.suffix, IP).', examples: [['.corp.example', '10.0.0.5']] }),
    // --- network stack (issue 16 item 1): PAC file ---
    proxyPacUrl: z
      .string()
      .refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), { message: 'must be an http:// or https:// URL' })
      .refine((u) => !URL.canParse(u) || (new URL(u).username === '' && new URL(u).password === ''), { message: 'must not contain a user name or password' })
      .optional()
      .meta({
        description:
          'The PAC file that decides the proxy per request (desktop app: evaluated by Chromium, like the browser). Used while proxy is "system"; an explicit proxy URL or "direct" wins. The web host and the command line (plain Node) cannot run a PAC file and use the environment\'s HTTPS_PROXY / HTTP_PROXY / NO_PROXY instead; doctor says so.',
        format: 'uri',
        examples: ['http://wpad.corp.example/proxy.pac']
      }),
    revocationCheck: z.enum(REVOCATION_MODES).optional().meta({
      description: 'Certificate revocation checking (OCSP/CRL): off, soft-fail (an unreachable responder is a warning) or hard-fail (it blocks signing).'
    }),
    autoUpdate: z.boolean().optional().meta({ description: 'Whether the app checks for, downloads and installs signed updates.' }),
    updateChannel: z.enum(UPDATE_CHANNELS).optional().meta({ description: 'Update channel: latest (stable) or beta.' }),
    updateUrl: httpsUrl.optional().meta({
      description: 'An internal update mirror (https, generic electron-updater feed with latest.yml). Signatures are still verified.',
      examples: ['https://updates.corp.example/eccs/']
    }),
    cacheRetentionDays: z.int().min(0).max(3650).optional().meta({ description: 'Days the offline history of delegations and confirmations is kept (0 = keep nothing on disk).' }),
    wipeCacheOnSignOut: z.boolean().optional().meta({ description: 'Erase the offline history when the user signs out (shared desks).' }),
    allowedReaders: z
      .array(z.string().min(1).max(200))
      .max(64)
      .optional()
      .meta({
        description: 'If non-empty, only readers whose PC/SC name contains one of these strings (case-insensitive; * matches anything) are used.',
        examples: [['ACS ACR39U', 'HID Global OMNIKEY*']]
      }),
    logLevel: z.enum(LOG_LEVELS).optional().meta({ description: 'Minimum level written to the log file.' })
  })
  .meta({
    title: 'ECCS Real-Name Desktop Client machine policy',
    description: 'Machine policy (policy.json). Every key is optional; a key present here is locked for users.'
  })

export type Policy = z.infer<typeof PolicySchema>
export type SettingKey = Exclude<keyof Policy, '$schema'>

export interface Settings {
  apiBaseUrl: string | null
  pkcs11Modules: string[]
  extraCaCertificates: string[]
  proxy: string
  proxyBypass: string[]
  proxyPacUrl: string | null
  revocationCheck: (typeof REVOCATION_MODES)[number]
  autoUpdate: boolean
  updateChannel: (typeof UPDATE_CHANNELS)[number]
  updateUrl: string | null
  cacheRetentionDays: number
  wipeCacheOnSignOut: boolean
  allowedReaders: string[]
  logLevel: (typeof LOG_LEVELS)[number]
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  apiBaseUrl: null,
  pkcs11Modules: [],
  extraCaCertificates: [],
  proxy: 'system',
  proxyBypass: [],
  proxyPacUrl: null,
  revocationCheck: 'soft-fail',
  autoUpdate: true,
  updateChannel: 'latest',
  updateUrl: null,
  cacheRetentionDays: 90,
  wipeCacheOnSignOut: false,
  allowedReaders: [],
  logLevel: 'info'
})

export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as SettingKey[]
