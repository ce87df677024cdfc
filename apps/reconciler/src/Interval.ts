/**
 * RECONCILE_INTERVAL as operators write it: `60s`, `500ms`, `2m`, `1h`, or a bare number of
 * milliseconds (the seed's `60000`). Anything else is refused at start-up rather than guessed.
 */
const units: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** The interval in milliseconds, or undefined when the text is not one. */
export const parseInterval = (text: string): number | undefined => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text)
  if (match === null) return undefined
  const value = Number(match[1]) * units[(match[2] ?? "ms").toLowerCase()]!
  return Number.isFinite(value) && value >= 1 ? Math.round(value) : undefined
}
