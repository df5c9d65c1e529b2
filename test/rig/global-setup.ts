import { loadOrGenerateTestPki } from '../../server-mock/test-pki'

// Generate (or refresh) the shared test PKI once, before parallel test files start, so no two
// processes regenerate it at the same time and disagree about which files are current.
export default async function setup(): Promise<void> {
  await loadOrGenerateTestPki()
}
