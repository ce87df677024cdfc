/**
 * Issue 11, item 11 (last part): operators asking for reconciliation passes, several at once,
 * while the worker mints. Nothing is wrong, so nothing may be abandoned to its lease and nothing
 * logged as an error. (The mechanism, a pass completing a mint under its worker's live lease, is
 * reproduced exactly in core's ReconcilePass test; on the simulated chain this end-to-end run
 * rarely lands a pass in that window, so it guards the outcome rather than the race.)
 */
import { MintRepository } from "@tickettoken/minting-core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as WorkerLoop from "../src/WorkerLoop.ts"
import { makeTestApp } from "./TestApp.ts"

const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
const logs: Array<{ readonly level: string; readonly message: string }> = []
let t: ReturnType<typeof makeTestApp>
beforeAll(() => {
  t = makeTestApp({ logs })
})
afterAll(async () => {
  await t.runtime.dispose()
})

const counts = () => t.runtime.runPromise(Effect.flatMap(MintRepository, (repo) => repo.countByStatus()))

describe("reconciliation passes during minting", () => {
  it("concurrent POST /v1/reconciliations abandon no in-flight mint", async () => {
    const worker = WorkerLoop.start(t.runtime, {
      batchSize: 16,
      concurrency: 8,
      maxInFlight: 64,
      idleMs: 10,
      recoveryIntervalMs: 60_000,
      stallWarnAfterMs: 30_000
    })
    try {
      const mints = Array.from({ length: 120 }, (_, i) => ({
        ticketId: `rec-${i}`,
        orderId: "o",
        eventId: "e",
        owner
      }))
      const answers = new Map<number, number>()
      let done = false
      // Passes back to back, four asked for at once each time, for as long as mints are in flight.
      const passes = (async () => {
        while (!done) {
          const statuses = await Promise.all(
            Array.from({ length: 4 }, () => t.signed("POST", "/v1/reconciliations").then((r) => r.status))
          )
          for (const s of statuses) answers.set(s, (answers.get(s) ?? 0) + 1)
        }
      })()
      // Mints arrive in small batches, so some are always between their send and its confirmation.
      for (let i = 0; i < mints.length; i += 10) {
        expect((await t.signed("POST", "/v1/mints/batch", { mints: mints.slice(i, i + 10) })).status).toBe(
          200
        )
        await new Promise((r) => setTimeout(r, 50))
      }
      const deadline = Date.now() + 30_000
      while ((await counts()).completed < mints.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50))
      }
      done = true
      await passes
      expect((await counts()).completed).toBe(mints.length)
      expect([...answers.keys()].every((s) => s === 201 || s === 409)).toBe(true)
      expect(answers.get(201) ?? 0).toBeGreaterThan(0)
      expect(logs.filter((l) => l.message.includes("abandoned"))).toEqual([])
      expect(logs.filter((l) => l.level === "Error")).toEqual([])
    } finally {
      await worker.stop(5_000)
    }
  }, 60_000)
})
