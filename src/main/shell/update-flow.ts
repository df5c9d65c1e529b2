// "Update ready — restart now / later" (issue 16 item 5), as a small state machine over injected
// effects so it is tested without Electron. Rules: the question is asked only when no card
// operation or batch is running, and "now" restarts only once none runs (one may have started
// while the dialog was open); on Linux nothing is installed — neither now nor on quit — unless the detached signature verified.

export type UpdateChoice = 'now' | 'later'

export interface UpdateFlowDeps {
  /** Whether a card operation is running now, and a promise for when none is. */
  busy(): boolean
  idle(): Promise<void>
  /** Asks the user (a dialog); resolves with the choice. */
  ask(version: string): Promise<UpdateChoice>
  /** Verifies the downloaded file; only called when `requireSignature`. Resolves an error text or null. */
  verify(downloadedFile: string): Promise<string | null>
  /** Whether electron-updater may install on quit (autoInstallOnAppQuit). */
  allowInstallOnQuit(allowed: boolean): void
  /** Quits and installs (autoUpdater.quitAndInstall). */
  install(): void
  log(line: string): void
}

export type UpdateOutcome = 'installing' | 'deferred' | 'rejected'

/** The outcome for one `update-downloaded` event. */
export async function onUpdateDownloaded(
  info: { version: string; downloadedFile: string },
  deps: UpdateFlowDeps,
  opts: { requireSignature: boolean }
): Promise<UpdateOutcome> {
  if (opts.requireSignature) {
    deps.allowInstallOnQuit(false)
    let problem: string | null
    try {
      problem = await deps.verify(info.downloadedFile)
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err)
    }
    if (problem !== null) {
      deps.log(`update ${info.version} NOT installed: signature check failed: ${problem}`)
      return 'rejected'
    }
    deps.log(`update ${info.version}: detached signature verified`)
  }
  deps.allowInstallOnQuit(true)
  if (deps.busy()) {
    deps.log(`update ${info.version} ready: waiting for the card operation to finish`)
    await deps.idle()
  }
  const choice = await deps.ask(info.version)
  if (choice === 'later') {
    deps.log(`update ${info.version}: user chose later (installs on quit)`)
    return 'deferred'
  }
  // A card operation may have started while the dialog was open: "now" means once it ends.
  while (deps.busy()) await deps.idle()
  deps.log(`update ${info.version}: restarting to install`)
  deps.install()
  return 'installing'
}
