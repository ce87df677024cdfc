/**
 * Case 6: PostgreSQL is stopped mid-run and started again (a server of the test's own), while
 * tickets keep arriving through the API, the worker mints and the reconciler daemon runs passes.
 * Meanwhile the API answers 503 and never a 2xx for a ticket it did not commit; the worker and
 * the reconciler carry on once it is back; every ticket accepted is minted, once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Auditor, makeAuditor } from "../src/Audit.ts"
import { type ServiceProcess, sleep } from "../src/ServiceProcess.ts"
import { type Stack, startStack } from "../src/Stack.ts"
import { type Answer, call, client, settled, tickets } from "../src/Tickets.ts"
import { expectExactlyOnce, withPrograms } from "./helpers.ts"

let stack: Stack
let auditor: Auditor
let service: ServiceProcess
let reconciler: ServiceProcess

beforeAll(async () => {
  if (!withPrograms) return
  stack = await startStack()
  auditor = makeAuditor({ databaseUrl: stack.databaseUrl, rpcUrl: stack.localnet.rpcUrl })
  service = await stack.service("worker")
  await service.start()
  reconciler = stack.reconciler("reconciler")
  await reconciler.start()
})

afterAll(async () => {
  await auditor?.dispose()
  await stack?.close()
})

describe.skipIf(!withPrograms)("PostgreSQL restarted mid-run", () => {
  it("6. the API answers 503 meanwhile and never 2xx without a commit; worker and reconciler carry on; nothing lost", async () => {
    const api = client(service.url, stack.secret)
    const requests = tickets("pg", 60)
    const answers: Array<Answer & { readonly at: number }> = []
    const healthDown: Array<number> = []

    // Tickets one at a time, each sent again until it is accepted, as a platform would.
    const producer = (async () => {
      for (const request of requests) {
        for (let tries = 0; tries < 200; tries++) {
          const at = Date.now()
          try {
            await call(api.requestMint(request))
            answers.push({ ticketId: request.ticketId, status: 202, result: "accepted", code: null, at })
            break
          } catch (error) {
            const e = error as { status?: number; code?: string }
            answers.push({
              ticketId: request.ticketId,
              status: e.status ?? 0,
              result: "refused",
              code: e.code ?? null,
              at
            })
            await sleep(100)
          }
        }
        await sleep(50)
      }
    })()

    await sleep(1_500)
    const passesBefore = reconciler.logs().filter((l) => l.text === "reconciliation pass finished").length
    stack.pg!.stop()
    const stoppedAt = Date.now()
    for (let i = 0; i < 10; i++) {
      healthDown.push((await fetch(`${service.url}/health/db`)).status)
      await sleep(200)
    }
    await sleep(3_000 - (Date.now() - stoppedAt))
    stack.pg!.start()
    const startedAt = Date.now()
    await producer

    await settled(auditor.counts, { timeoutMs: 90_000 })
    // The reconciler failed its passes while the database was away and finished them after.
    await reconciler.waitForLog(
      (l) =>
        l.text === "reconciliation pass finished" &&
        Date.parse(String(l.raw.timestamp)) > startedAt &&
        reconciler.logs().filter((x) => x.text === "reconciliation pass finished").length > passesBefore,
      30_000
    )
    const failedPasses = reconciler
      .logs()
      .filter((l) => l.text.startsWith("reconciliation pass failed"))
      .map((l) => Date.parse(String(l.raw.timestamp)))
    expect(failedPasses.some((t) => t >= stoppedAt && t <= startedAt + 5_000)).toBe(true)
    expect(reconciler.running).toBe(true)
    expect(service.running).toBe(true)

    // The outage was seen as 503s, by the API and /health/db alike.
    expect(healthDown.every((s) => s === 503)).toBe(true)
    const refusedDuring = answers.filter((a) => a.at >= stoppedAt && a.at < startedAt && a.status !== 202)
    expect(refusedDuring.length).toBeGreaterThan(0)
    expect(new Set(refusedDuring.map((a) => a.status))).toEqual(new Set([503]))
    // Never a 2xx without a commit: every ticket the API accepted is in the database.
    const acceptedTickets = [...new Set(answers.filter((a) => a.status === 202).map((a) => a.ticketId))]
    expect(acceptedTickets).toHaveLength(requests.length)
    const audit = await auditor.audit(acceptedTickets)
    expect(audit.missingRows).toEqual([])
    expectExactlyOnce(audit)

    // A pass after all this finds every mint a success.
    await reconciler.stop()
    const report = await stack.reconcileOnce()
    expect(report.counts.byReason.success).toBe(requests.length)
    expect(
      Object.entries(report.counts.byReason).filter(([reason, n]) => reason !== "success" && n > 0)
    ).toEqual([])
  })
})
