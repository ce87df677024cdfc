import { describe, expect, it } from "vitest"
import { percentile, summarize } from "../src/CompletionStats.ts"

const minute = 60_000
const now = Date.UTC(2026, 10, 30, 12, 30, 20)
const currentMinute = Date.UTC(2026, 10, 30, 12, 30, 0)

describe("CompletionStats", () => {
  it("percentile is the nearest rank: always a measured value", () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    expect(percentile(values, 0.5)).toBe(5)
    expect(percentile(values, 0.9)).toBe(9)
    expect(percentile(values, 0.99)).toBe(10)
    expect(percentile([7], 0.5)).toBe(7)
    expect(percentile([], 0.5)).toBe(0)
  })

  it("buckets completions per minute, the current minute last, and ignores those outside the hour", () => {
    const stats = summarize(
      [
        { createdAt: currentMinute - 1000, completedAt: currentMinute + 5_000 },
        { createdAt: currentMinute - 2000, completedAt: currentMinute + 10_000 },
        { createdAt: currentMinute - 59 * minute, completedAt: currentMinute - 59 * minute },
        // an hour and more ago, and in the future: not in the window
        { createdAt: 0, completedAt: currentMinute - 60 * minute },
        { createdAt: 0, completedAt: now + 1 }
      ],
      now
    )
    expect(stats.perMinute).toHaveLength(60)
    expect(stats.from).toBe(currentMinute - 59 * minute)
    expect(stats.perMinute[59]).toBe(2)
    expect(stats.perMinute[0]).toBe(1)
    expect(stats.perMinute.reduce((a, b) => a + b, 0)).toBe(3)
    expect(stats.latency).toEqual({ count: 3, p50Ms: 6_000, p90Ms: 12_000, p99Ms: 12_000, maxMs: 12_000 })
  })

  it("has no latency when nothing completed", () => {
    const stats = summarize([], now)
    expect(stats.latency).toBeNull()
    expect(stats.perMinute.every((n) => n === 0)).toBe(true)
  })
})
