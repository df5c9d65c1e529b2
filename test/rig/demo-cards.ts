import type { CitizenVariant } from '../../server-mock/test-pki'

/**
 * The demo's second virtual card (issue 15, item 9): the foreign resident of the test PKI
 * (統一證號 A800000014, a 64-character certificate name), who has no account on the demo platform,
 * so 自然人憑證註冊 can be tried end to end. Its PIN differs from card 1's (123456) on purpose: a
 * PIN belongs to one card. The issuing authority's registry (identityRecordsOf) knows its holder.
 */
export const DEMO_SECOND_CARD: { variant: CitizenVariant; pin: string } = { variant: 'resident', pin: '246810' }
