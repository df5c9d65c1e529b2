// Preload for Electronegativity (scripts/electronegativity.mjs). CI has no internet, and on Node 24
// got 11's retry of the tool's failing requests (updated translations, Electron's release list)
// throws an uncaught "The `onCancel` handler was attached after the promise settled". The tool
// handles a failed request (it keeps its bundled data), so here every request fails at once.
const Module = require('node:module')

const load = Module._load
const offline = () =>
  Promise.reject(Object.assign(new Error('offline: Electronegativity runs without network'), { code: 'ENETUNREACH' }))
const stub = Object.assign(offline, { head: offline, get: offline })
stub.default = stub

Module._load = function (request, ...rest) {
  if (request === 'got') return stub
  return load.call(this, request, ...rest)
}
