/**
 * Case 5: two worker processes on one database. Worker A stops (SIGSTOP, from its own fault
 * hook, right after it stored the signed transaction and before it sent it) and stays stopped
 * past its lease. Worker B takes the mint over and completes it by sending the stored bytes.
 * A is then continued (SIGCONT): it sends the same bytes again (already processed), sees them
 * landed, and its late completion is refused by the version check: the mint, the tree's count
 * and the ticket's events stay as B left them.
 */
import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Auditor, makeAuditor } from "../src/Audit.ts"
import { isStopped, type ServiceProcess, sleep } from "../src/ServiceProcess.ts"
import { type Stack, startStack } from "../src/Stack.ts"
import { settled, submit, tickets } from "../src/Tickets.ts"
import { expectExactlyOnce, withPrograms } from "./helpers.ts"

let stack: Stack
let auditor: Auditor
let a: ServiceProcess
let b: ServiceProcess

beforeAll(async () => {
  if (!withPrograms) return
  stack = await startStack()
  auditor = makeAuditor({ databaseUrl: stack.databaseUrl, rpcUrl: stack.localnet.rpcUrl })
  a = await stack.service("worker-a", { TT_FAULT_STOP_AT: "persisted" })
  b = await stack.service("worker-b")
  await a.start()
})

afterAll(async () => {
  await auditor?.dispose()
  await stack?.close()
})

describe.skipIf(!withPrograms)("a worker paused past its lease", () => {
  it("5. another takes over with the stored bytes; the first one's late completion is refused", async () => {
    const [request] = tickets("pause", 1)
    const batch = await submit([a.url], stack.secret, [request!])
    expect(batch.accepted).toHaveLength(1)
    await a.waitForLog((l) => l.text === "fault injection: SIGSTOP at persisted")
    for (let i = 0; i < 100 && !isStopped(a.pid!); i++) await sleep(50)
    expect(isStopped(a.pid!)).toBe(true)

    const held = Option.getOrThrow(await auditor.mint(request!.ticketId))
    expect(held.status).toBe("minting")
    expect(held.lease?.owner).toMatch(/^worker-/)
    const stored = held.transaction!
    const sendsBefore = stack.proxy.calls("sendTransaction")

    // B starts while A is frozen; it may claim the mint only once A's lease (4 s) has lapsed.
    await b.start()
    await settled(auditor.counts, { timeoutMs: 60_000 })
    const done = Option.getOrThrow(await auditor.mint(request!.ticketId))
    expect(done.status).toBe("completed")
    expect(done.asset!.signature).toBe(stored.signature)
    expect(DateTimeMs(done.completedAt!)).toBeGreaterThanOrEqual(DateTimeMs(held.lease!.expiresAt))
    expect(stack.proxy.calls("sendTransaction")).toBeGreaterThan(sendsBefore)
    expect((await auditor.attempts(done.id)).map((x) => x.signature)).toEqual([stored.signature])

    // A wakes up, finds its bytes landed, and tries to complete the mint it no longer holds.
    const linesBefore = a.logs().length
    a.signal("SIGCONT")
    const refused = await a.waitForLog(
      (l) => a.logs().indexOf(l) >= linesBefore && l.text === "mint abandoned to its lease",
      30_000
    )
    // StaleVersion: the version A read is gone.
    expect(String(refused.raw.error)).toMatch(/changed since version/)
    const after = Option.getOrThrow(await auditor.mint(request!.ticketId))
    expect(after.version).toBe(done.version)
    expect(after.asset).toEqual(done.asset)
    expectExactlyOnce(await auditor.audit([request!.ticketId]))
  })
})

const DateTimeMs = (d: { readonly epochMilliseconds: number }) => d.epochMilliseconds
