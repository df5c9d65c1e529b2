import { createInterface } from 'node:readline'
import { startRig } from './rig'
import type { SoftHsmCard } from './softhsm'
import { DEMO_SECOND_CARD } from './demo-cards'

// The demo environment behind `npm start` when no platform is configured: a virtual reader with
// a test MOICA card inserted (SoftHSM token) and server-mock. Prints one `DEMO_ENV {json}` line
// for the launcher, then what a person needs to try the app; stops everything on SIGTERM/SIGINT.
// A second, unregistered card (another test citizen) can be swapped in by pressing Enter in the
// terminal, so 自然人憑證註冊 can be tried end to end (issue 15, item 9).

const describe = (t: SoftHsmCard): string => `${t.citizen.name} (${t.citizen.nationalId}), PIN ${t.pin}`

async function main(): Promise<void> {
  const rig = await startRig({ insert: true, server: true, secondCard: DEMO_SECOND_CARD })
  const second = rig.secondToken
  console.log(`DEMO_ENV ${JSON.stringify(rig.env)}`)
  console.log('DEMO environment (all data fictitious; everything is reset at each start):')
  console.log(`  virtual reader: ${rig.pcscd.readerNames[0]}`)
  console.log(`  demo card 1 (inserted, registered as account "demo"): ${describe(rig.token)}`)
  if (second) console.log(`  demo card 2 (not registered, try 註冊 with it): ${describe(second)}`)
  if (rig.server) {
    console.log(`  mock platform: ${rig.server.url}`)
    for (const a of rig.server.accounts) {
      console.log(
        `  demo account: ${a.account} / ${a.password}  (${a.kind === 'certificate' ? 'certificate account' : 'EZWay phone-registered'}, ${a.name})`
      )
    }
    console.log(`  SMS outbox (the SMS codes the mock platform "sends"): ${rig.server.smsOutboxPath}`)
  }
  console.log('  DEMO CONTROL: press Enter in this terminal to swap the card in the reader (card 1 ⇄ card 2).')
  console.log('  Stop the app: close its window, or press Ctrl+C in this terminal.')
  let swapping = false
  if (second && process.stdin.readable) {
    createInterface({ input: process.stdin }).on('line', () => {
      if (swapping) return
      swapping = true
      rig
        .swapCard()
        .then((t) =>
          console.log(`DEMO CONTROL: now in the reader: ${t === second ? 'card 2' : 'card 1'}, ${describe(t)}`)
        )
        .catch((err: unknown) =>
          console.log(`DEMO CONTROL: swap failed: ${err instanceof Error ? err.message : String(err)}`)
        )
        .finally(() => (swapping = false))
    })
  }
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    void rig.stop().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  console.error(`demo environment failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
