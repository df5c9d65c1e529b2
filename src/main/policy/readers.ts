// allowedReaders matching, shared by the card layer and the doctor: case-insensitive substring,
// with * as a wildcard; an empty list allows every reader.

export function readerAllowed(readerName: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true
  const name = readerName.toLowerCase()
  return patterns.some((pattern) => {
    const parts = pattern
      .toLowerCase()
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    return new RegExp(parts.join('.*')).test(name)
  })
}
