import { assert, describe, it } from "@effect/vitest"
import { ProgressWatchdog } from "../src/index.ts"

const threshold = 30_000

describe("ProgressWatchdog", () => {
  it("mints waiting and none completed for the threshold: stalled once, with the reason known", () => {
    let w = ProgressWatchdog.start(0)
    let r = ProgressWatchdog.check(w, 29_999, true, "chain_unreachable", threshold)
    assert.isNull(r.event)
    w = r.state
    r = ProgressWatchdog.check(w, 30_000, true, "chain_unreachable", threshold)
    assert.deepStrictEqual(r.event, { _tag: "Stalled", reason: "chain_unreachable", idleMs: 30_000 })
    w = r.state
    // Said once, not every look.
    assert.isNull(ProgressWatchdog.check(w, 31_000, true, "chain_unreachable", threshold).event)
    // The outage became an empty fee payer: said again with the new reason.
    r = ProgressWatchdog.check(w, 32_000, true, "fee_payer_empty", threshold)
    assert.deepStrictEqual(r.event, { _tag: "StillStalled", reason: "fee_payer_empty", idleMs: 32_000 })
    w = r.state
    r = ProgressWatchdog.progressed(w, 40_000)
    assert.deepStrictEqual(r.event, { _tag: "Resumed", stalledMs: 10_000 })
    assert.isNull(r.state.stalled)
  })

  it("nothing waiting is no stall, and restarts the clock for the next burst", () => {
    let w = ProgressWatchdog.start(0)
    w = ProgressWatchdog.check(w, 100_000, false, null, threshold).state
    assert.isNull(w.stalled)
    assert.isNull(ProgressWatchdog.check(w, 110_000, true, null, threshold).event)
    assert.strictEqual(ProgressWatchdog.check(w, 130_000, true, null, threshold).event?._tag, "Stalled")
  })

  it("a database that cannot say whether mints wait is itself the reason", () => {
    const r = ProgressWatchdog.check(
      ProgressWatchdog.start(0),
      30_000,
      "unknown",
      "chain_unreachable",
      threshold
    )
    assert.deepStrictEqual(r.event, { _tag: "Stalled", reason: "database_unavailable", idleMs: 30_000 })
  })

  it("a completion without a stall says nothing", () => {
    assert.isNull(ProgressWatchdog.progressed(ProgressWatchdog.start(0), 5).event)
  })
})
