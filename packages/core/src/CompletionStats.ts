/**
 * What an operator asks of the last hour: how many mints completed each minute, and how long a
 * ticket waited from acceptance to its confirmed mint. A pure summary of the completions the
 * MintRepository returns (`completedSince`), so every adapter is judged by the same arithmetic.
 */

/** One completed mint: when its ticket was accepted and when the chain confirmed it (epoch ms). */
export interface Completion {
  readonly createdAt: number
  readonly completedAt: number
}

export interface LatencySummary {
  readonly count: number
  readonly p50Ms: number
  readonly p90Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface CompletionStats {
  /** The start of the first minute shown (epoch ms, on a minute boundary). */
  readonly from: number
  /** Completions per minute, oldest first: `minutes` buckets, the last one is the current minute. */
  readonly perMinute: ReadonlyArray<number>
  /** Accept -> completed over the window; null when nothing completed in it. */
  readonly latency: LatencySummary | null
}

const minuteMs = 60_000

/**
 * Nearest rank: the smallest value with at least `p` of the values at or below it. Every value
 * reported is one that was measured (no interpolation between two mints).
 */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number => {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)))
  return sorted[rank - 1]!
}

export const summarize = (
  completions: ReadonlyArray<Completion>,
  now: number,
  minutes = 60
): CompletionStats => {
  const currentMinute = Math.floor(now / minuteMs) * minuteMs
  const from = currentMinute - (minutes - 1) * minuteMs
  const perMinute = Array.from({ length: minutes }, () => 0)
  const latencies: Array<number> = []
  for (const c of completions) {
    if (c.completedAt < from || c.completedAt > now) continue
    const bucket = Math.floor((c.completedAt - from) / minuteMs)
    perMinute[bucket] = (perMinute[bucket] ?? 0) + 1
    latencies.push(Math.max(0, c.completedAt - c.createdAt))
  }
  latencies.sort((a, b) => a - b)
  return {
    from,
    perMinute,
    latency:
      latencies.length === 0
        ? null
        : {
            count: latencies.length,
            p50Ms: percentile(latencies, 0.5),
            p90Ms: percentile(latencies, 0.9),
            p99Ms: percentile(latencies, 0.99),
            maxMs: latencies[latencies.length - 1]!
          }
  }
}
