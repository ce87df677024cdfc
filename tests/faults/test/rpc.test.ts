/**
 * Cases 2 and 3: the RPC misbehaves between the worker and the chain (the fault proxy).
 *
 * 2. Every send's answer is lost although the transaction landed: each mint completes with its
 *    first and only signature.
 * 3. The RPC answers 429 (half the requests) and holds the rest until the client times out, for a
 *    window: new mints are deferred (3a), mints in flight wait it out (3b); the worker backs off
 *    with jitter, no mint fails, no new signature is issued, and it resumes after. The issue's
 *    window is 30 s; the test uses 10 s, long enough for the backoff to double three times (the
 *    behaviour is the same, the run shorter), with a blockhash that outlives it (200 ms slots:
 *    30 s), as it would on a cluster (400 ms slots: 60 s).
 */
import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Auditor, makeAuditor } from "../src/Audit.ts"
import { type ServiceProcess, sleep } from "../src/ServiceProcess.ts"
import { type Stack, startStack } from "../src/Stack.ts"
import { settled, submit, tickets } from "../src/Tickets.ts"
import { expectExactlyOnce, withPrograms } from "./helpers.ts"

let stack: Stack
let auditor: Auditor
let service: ServiceProcess
const accepted: Array<string> = []

beforeAll(async () => {
  if (!withPrograms) return
  stack = await startStack({ localnet: { slotIntervalMs: 200 } })
  auditor = makeAuditor({ databaseUrl: stack.databaseUrl, rpcUrl: stack.localnet.rpcUrl })
  service = await stack.service("worker")
  await service.start()
})

afterAll(async () => {
  await auditor?.dispose()
  await stack?.close()
})

const attemptsOf = async (ticketId: string) => {
  const mint = Option.getOrThrow(await auditor.mint(ticketId))
  return { mint, attempts: await auditor.attempts(mint.id) }
}

const totalCalls = () => Object.values(stack.proxy.stats().calls).reduce((a, b) => a + b, 0)

describe.skipIf(!withPrograms)("the RPC misbehaves", () => {
  it("2. every send's answer is lost after the transaction landed: completed, no second signature", async () => {
    const rule = stack.proxy.add({ methods: ["sendTransaction"], action: { kind: "dropResponse" } })
    const batch = await submit([service.url], stack.secret, tickets("drop", 5))
    accepted.push(...batch.accepted)
    await settled(auditor.counts, { timeoutMs: 60_000 })
    stack.proxy.remove(rule)
    expect(stack.proxy.stats().faultedCalls.sendTransaction?.dropResponse).toBeGreaterThanOrEqual(5)
    for (const ticketId of batch.accepted) {
      const { mint, attempts } = await attemptsOf(ticketId)
      expect(mint.status).toBe("completed")
      expect(attempts.map((a) => a.signature)).toEqual([mint.asset!.signature])
    }
  })

  /** 429 for about half the requests and a hold (until the client's 3 s timeout) for the rest. */
  const trouble = (windowMs: number) => {
    stack.proxy.add({
      action: { kind: "rateLimit", retryAfterSeconds: 1 },
      probability: 0.5,
      forMs: windowMs
    })
    stack.proxy.add({ action: { kind: "hold" }, forMs: windowMs })
  }
  const windowMs = 10_000

  it("3a. 429s and timeouts for a window: new mints are deferred with a doubling, jittered backoff, none fails, then it resumes", async () => {
    const logsBefore = service.logs().length
    const callsBefore = totalCalls()
    trouble(windowMs)
    const started = Date.now()
    // Accepted during the trouble: the API does not need the chain.
    const during = await submit([service.url], stack.secret, tickets("rl-new", 8))
    accepted.push(...during.accepted)
    await sleep(windowMs - (Date.now() - started))
    const callsInWindow = totalCalls() - callsBefore
    await settled(auditor.counts, { timeoutMs: 90_000 })
    console.log(
      `faults/rpc 3a: ${callsInWindow} RPC requests in the ${windowMs / 1000} s window; settled ${Math.round((Date.now() - started - windowMs) / 1000)} s after it`
    )
    for (const ticketId of during.accepted) {
      const { mint, attempts } = await attemptsOf(ticketId)
      expect(mint.status).toBe("completed")
      expect(mint.attempts).toBe(0)
      expect(attempts).toHaveLength(1)
    }
    // One probe per pause, not a loop: at 8 concurrent prepares every 250 ms it would be hundreds.
    expect(callsInWindow).toBeLessThan(40)
    const backoffs = service
      .logs()
      .slice(logsBefore)
      .filter((l) => l.text === "chain unavailable: mints deferred, worker backing off")
      .map((l) => Number(l.raw.retryInMs))
    expect(backoffs.length).toBeGreaterThanOrEqual(2)
    backoffs.forEach((ms, i) => {
      const base = Math.min(30_000, 1_000 * 2 ** i)
      expect(ms).toBeGreaterThanOrEqual(base * 0.8 - 1)
      expect(ms).toBeLessThanOrEqual(base * 1.2 + 1)
    })
    expect(backoffs.some((ms, i) => ms !== Math.min(30_000, 1_000 * 2 ** i))).toBe(true)
  })

  it("3b. mints in flight wait the same window out and complete with the signature they had", async () => {
    // In flight when the trouble starts: sent, their status not yet read.
    const statusesHeld = stack.proxy.add({ methods: ["getSignatureStatuses"], action: { kind: "hold" } })
    const inFlight = await submit([service.url], stack.secret, tickets("rl-fly", 5))
    accepted.push(...inFlight.accepted)
    for (let i = 0; i < 200; i++) {
      const stored = await Promise.all(inFlight.accepted.map((t) => auditor.mint(t)))
      if (stored.every((m) => Option.isSome(m) && m.value.transaction !== null)) break
      await sleep(100)
    }
    const signatures = new Map<string, string>()
    for (const t of inFlight.accepted)
      signatures.set(t, Option.getOrThrow(await auditor.mint(t)).transaction!.signature)
    const callsBefore = totalCalls()
    trouble(windowMs)
    stack.proxy.remove(statusesHeld)
    const started = Date.now()
    await sleep(windowMs)
    const callsInWindow = totalCalls() - callsBefore
    await settled(auditor.counts, { timeoutMs: 90_000 })
    console.log(
      `faults/rpc 3b: ${callsInWindow} RPC requests in the ${windowMs / 1000} s window; settled ${Math.round((Date.now() - started - windowMs) / 1000)} s after it`
    )
    for (const ticketId of inFlight.accepted) {
      const { mint, attempts } = await attemptsOf(ticketId)
      expect(mint.status).toBe("completed")
      expect(mint.asset!.signature).toBe(signatures.get(ticketId))
      expect(attempts).toHaveLength(1)
    }
    // Polls slow down while the endpoint fails: 5 mints polling every 400 ms would be 125.
    expect(callsInWindow).toBeLessThan(80)
  })

  it("in the end: every accepted ticket minted exactly once", async () => {
    expectExactlyOnce(await auditor.audit(accepted))
  })
})
