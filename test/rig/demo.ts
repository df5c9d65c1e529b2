import { startRig } from './rig'

// The demo environment behind `npm start` when no platform is configured: a virtual reader with
// a test MOICA card inserted (SoftHSM token) and server-mock. Prints one `DEMO_ENV {json}` line
// for the launcher, then what a person needs to try the app; stops everything on SIGTERM/SIGINT.

async function main(): Promise<void> {
  const rig = await startRig({ insert: true, server: true })
  const citizen = rig.token.citizen
  console.log(`DEMO_ENV ${JSON.stringify(rig.env)}`)
  console.log('DEMO environment (all data fictitious):')
  console.log(
    `  virtual reader: ${rig.pcscd.readerNames[0]} with a test card of ${citizen.name} (${citizen.nationalId})`
  )
  console.log(`  demo card PIN: ${rig.token.pin}`)
  if (rig.server) {
    console.log(`  mock platform: ${rig.server.url}`)
    for (const a of rig.server.accounts) {
      console.log(
        `  demo account: ${a.account} / ${a.password}  (${a.kind === 'certificate' ? 'certificate account' : 'EZWay phone-registered'}, ${a.name})`
      )
    }
    console.log(`  SMS outbox: ${rig.server.smsOutboxPath}`)
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
