'use strict'
// RECORDING STAND-IN of `electron-updater`'s autoUpdater (see README.md): not electron-updater.
const { EventEmitter } = require('node:events')

class StandinUpdater extends EventEmitter {
  constructor() {
    super()
    this.channel = null
    this.allowDowngrade = true
    this.autoInstallOnAppQuit = true
    this.feed = null
    this.checks = 0
    this.installs = 0
  }
  setFeedURL(options) {
    this.feed = options
  }
  checkForUpdates() {
    this.checks++
    return Promise.resolve(null)
  }
  checkForUpdatesAndNotify() {
    this.checks++
    return Promise.resolve(null)
  }
  quitAndInstall() {
    this.installs++
  }
}

module.exports = { __standin: true, autoUpdater: new StandinUpdater() }
