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
  .refine((u) => u === 'system' || u === 'direct' || URL.canParse(u), {
    message: 'must be "system", "direct" or a proxy URL'
  })
  .refine(
    (u) => u === 'system' || u === 'direct' || !URL.canParse(u) || ['http:', 'https:'].includes(new URL(u).protocol),
    {
      message: 'proxy URL must use http:// or https://'
    }
  )
  .refine((u) => u === 'system' || u === 'direct' || !URL.canParse(u) || new URL(u).hostname !== '', {
    message: 'proxy URL needs a host'
  })

export const REVOCATION_MODES = ['off', 'soft-fail', 'hard-fail'] as const
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export const UPDATE_CHANNELS = ['latest', 'beta'] as const

/** One object, every key optional: a policy file locks the keys it names and nothing else. */
export const PolicySchema = z
  .strictObject({
    $schema: z
      .string()
      .optional()
      .meta({ description: 'Optional pointer to policy.schema.json for editors; ignored.' }),
    apiBaseUrl: httpsUrl.optional().meta({
      description:
        'Base URL of the platform API (https only, no credentials), e.g. https://eccs.example.gov.tw. Overrides ECCS_API_URL.',
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
      .array(
        z
          .string()
          .min(1)
          .regex(/^[A-Za-z0-9.*:\-[\]]+$/, 'must be a host name, suffix (.corp.example) or IP')
      )
      .max(64)
      .optional()
      .meta({
        description: 'Hosts reached without the explicit proxy (NO_PROXY syntax: host, .suffix, *.suffix, IP).',
        examples: [['.corp.example', '10.0.0.5']]
      }),
    // --- network stack (issue 16 item 1): PAC file ---
    proxyPacUrl: z
      .string()
      .refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), {
        message: 'must be an http:// or https:// URL'
      })
      .refine((u) => !URL.canParse(u) || (new URL(u).username === '' && new URL(u).password === ''), {
        message: 'must not contain a user name or password'
      })
      .optional()
      .meta({
        description:
          'The PAC file that decides the proxy per request (desktop app: evaluated by Chromium, like the browser). Used while proxy is "system"; an explicit proxy URL or "direct" wins. The web host and the command line (plain Node) cannot run a PAC file and use the environment\'s HTTPS_PROXY / HTTP_PROXY / NO_PROXY instead; doctor says so.',
        format: 'uri',
        examples: ['http://wpad.corp.example/proxy.pac']
      }),
    revocationCheck: z.enum(REVOCATION_MODES).optional().meta({
      description:
        'Certificate revocation checking (OCSP/CRL): off, soft-fail (an unreachable responder is a warning) or hard-fail (it blocks signing).'
    }),
    autoUpdate: z
      .boolean()
      .optional()
      .meta({ description: 'Whether the app checks for, downloads and installs signed updates.' }),
    updateChannel: z.enum(UPDATE_CHANNELS).optional().meta({ description: 'Update channel: latest (stable) or beta.' }),
    updateUrl: httpsUrl.optional().meta({
      description:
        'An internal update mirror (https, generic electron-updater feed with latest.yml). Signatures are still verified.',
      examples: ['https://updates.corp.example/eccs/']
    }),
    cacheRetentionDays: z.int().min(0).max(3650).optional().meta({
      description: 'Days the offline history of delegations and confirmations is kept (0 = keep nothing on disk).'
    }),
    wipeCacheOnSignOut: z
      .boolean()
      .optional()
      .meta({ description: 'Erase the offline history when the user signs out (shared desks).' }),
    allowedReaders: z
      .array(z.string().min(1).max(200))
      .max(64)
      .optional()
      .meta({
        description:
          'If non-empty, only readers whose PC/SC name contains one of these strings (case-insensitive; * matches anything) are used.',
        examples: [['ACS ACR39U', 'HID Global OMNIKEY*']]
      }),
    logLevel: z.enum(LOG_LEVELS).optional().meta({ description: 'Minimum level written to the log file.' }),
    // --- desktop shell (issue 16: background presence, updates) ---
    startAtLogin: z.boolean().optional().meta({
      description:
        'Start the app (in the tray, without a window) when the user logs in: Windows/macOS login item, Linux XDG autostart entry. Off by default; packaged builds only.'
    }),
    closeToTray: z.boolean().optional().meta({
      description:
        'Closing the window keeps the app running in the tray (where the OS has one), so new delegations are still notified. Off by default.'
    }),
    updatePublicKey: z
      .string()
      .min(1)
      .refine((v) => v.includes('-----BEGIN PUBLIC KEY-----') || new RegExp(ABSOLUTE_PATH).test(v), {
        message: 'must be a PEM public key or an absolute path'
      })
      .optional()
      .meta({
        description:
          'Public key (PEM text or absolute path of a PEM file; EC P-256/P-384 or RSA ≥ 3072) that Linux updates must be signed with (detached FILE.sig next to each artifact on the feed). Honoured from machine policy only; without it the key shipped in resources/update/update-public-key.pem is used.',
        examples: ['/etc/eccs/update-public-key.pem']
      }),
    // Trust core (issue 12): cards beyond the built-in ATR table, required certificate policies
    cardAtrs: z
      .array(
        z
          .strictObject({
            atr: z.string().regex(/^([0-9A-Fa-f]{2}){2,33}$/, 'must be the ATR in hex (2–33 bytes)'),
            mask: z
              .string()
              .regex(/^([0-9A-Fa-f]{2}){2,33}$/, 'must be a hex mask as long as the ATR')
              .optional(),
            name: z.string().min(1).max(100),
            modules: z.array(absolutePath).min(1).max(8)
          })
          .refine((e) => !e.mask || e.mask.length === e.atr.length, {
            message: 'mask must be as long as the ATR',
            path: ['mask']
          })
      )
      .max(32)
      .optional()
      .meta({
        description:
          'Extra card types: ATR pattern (hex), optional mask (default all FF), a name and the absolute paths of the PKCS#11 modules that read it. Checked before the built-in table.',
        examples: [
          [
            {
              atr: '3BB896008131FA524348544D4F49434120',
              name: 'MOICA (new TA1)',
              modules: ['C:\\Windows\\System32\\HiCOSPKCS11.dll']
            }
          ]
        ]
      }),
    requiredCertificatePolicies: z
      .array(z.string().regex(/^[0-2](\.(0|[1-9][0-9]*))+$/, 'must be an OID such as 2.16.886.101.0.3.3'))
      .max(16)
      .optional()
      .meta({
        description:
          'Certificate policy OIDs the card certificate path must assert (RFC 5280 §6.1 with initial-explicit-policy); empty = any MOICA certificate policy.',
        examples: [['2.16.886.101.0.3.3']]
      })
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
  startAtLogin: boolean
  closeToTray: boolean
  updatePublicKey: string | null
  cardAtrs: CardAtrEntry[]
  requiredCertificatePolicies: string[]
}

/** A policy card entry (ATR pattern + mask → name + modules). */
export interface CardAtrEntry {
  atr: string
  mask?: string
  name: string
  modules: string[]
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
  logLevel: 'info',
  startAtLogin: false,
  closeToTray: false,
  updatePublicKey: null,
  cardAtrs: [],
  requiredCertificatePolicies: []
})

export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as SettingKey[]
