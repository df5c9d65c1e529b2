// Bounded concurrency for platform requests (the batch pipeline, rows prepared ahead).

/**
 * Runs `task(i)` for i in [0, n) with at most `limit` running at once; resolves when all have
 * settled. A task that throws stops new tasks from starting and rejects with its error.
 */
export async function runBounded(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  let failed: unknown = null
  const lane = async (): Promise<void> => {
    while (failed === null && next < n) {
      const i = next++
      try {
        await task(i)
      } catch (err) {
        failed ??= err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, n)) }, lane))
  if (failed !== null) throw failed
}
