import './styles.css'

// The entry stays tiny so the static shell of index.html (title + "正在檢查讀卡機…") paints
// first: the app bundle is fetched, compiled and run only after that first frame. Run at once,
// the bundle's compile and Vue's first render hold the first frame back by 100–200 ms on a
// slow machine (bench/renderer; requesting it at once but mounting after the frame measured
// no better: its download and compile compete for the same two cores).
function showLoadFailure(err: unknown): void {
  // i18n lives in the bundle that failed: both languages, as plain text.
  const status = document.querySelector('.shell-status')
  if (status) status.textContent = '無法載入應用程式，請重新啟動。 The app could not be loaded; please restart it.'
  console.error('app bundle failed to load', err)
}

let started = false
function start(): void {
  if (started) return
  started = true
  import('./start-app').then((m) => m.startApp(), showLoadFailure)
}
// After the first frame; the timer covers a window that is still hidden (no frames until shown).
requestAnimationFrame(() => setTimeout(start, 0))
setTimeout(start, 250)
