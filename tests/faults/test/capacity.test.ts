/**
 * Case 7: the service's own resources run out. Trees are tiny here (TREE_MAX_DEPTH=3: 8 leaves)
 * so that they fill during the run.
 *
 * a. The tree fills: the error is classified (TreeFull when a prepare finds it full, a landed
 *    InsufficientMintCapacity when concurrent mints overshot it), the tree is retired with an
 *    alert, a new tree takes over, and every ticket is minted once.
 * b. The fee payer runs out of SOL: classified (insufficient_funds), an alert-level log and
 *    metric, the mints wait without using their attempts and without a tight retry loop (the
 *    prepares are counted: one round's, then none for the length of the pause), and all complete
 *    once the fee payer is funded.
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
  stack = await startStack()
  auditor = makeAuditor({ databaseUrl: stack.databaseUrl, rpcUrl: stack.localnet.rpcUrl })
  service = await stack.service("worker", { TREE_MAX_DEPTH: "3", TREE_MAX_BUFFER_SIZE: "8" })
  await service.start()
})

afterAll(async () => {
  await auditor?.dispose()
  await stack?.close()
})

const metrics = async () => (await fetch(`${service.url}/metrics`)).text()

describe.skipIf(!withPrograms)("the service's own resources run out", () => {
  it("7a. the tree fills: classified, retired with an alert, a new tree takes over, nothing minted twice", async () => {
    const batch = await submit([service.url], stack.secret, tickets("full", 30), { batchSize: 30 })
    accepted.push(...batch.accepted)
    await settled(auditor.counts, { timeoutMs: 120_000 })
    const trees = await auditor.trees()
    // 30 leaves need at least 4 trees of 8.
    expect(trees.length).toBeGreaterThanOrEqual(4)
    expect(trees.filter((t) => t.status === "active")).toHaveLength(1)
    for (const tree of trees) expect(tree.minted).toBeLessThanOrEqual(8)
    const audit = await auditor.audit(batch.accepted)
    expectExactlyOnce(audit)
    // A full tree is the tree's failure: no mint spent an attempt on it.
    for (const ticketId of batch.accepted)
      expect(Option.getOrThrow(await auditor.mint(ticketId)).attempts).toBe(0)
    // Concurrent mints signed into a tree with room for only some of them: the rest met it full.
    const full = service.logs().filter((l) => l.text === "tree full; rotating to a new tree")
    // One alert per tree at most, not one per mint that met it.
    expect(new Set(full.map((l) => l.raw.tree)).size).toBe(full.length)
    console.log(
      `faults/capacity 7a: ${trees.length} trees, ${full.length} tree-full alerts, ${audit.resigns.length} mints signed again after landing in a full tree (${audit.resigns.map((r) => r.earlier.map((e) => e.onChain).join("/")).join(", ")})`
    )
    for (const line of full) {
      expect(line.level).toBe("ERROR")
      expect(line.raw.alert).toBe("tree_full")
    }
    if (full.length > 0)
      expect(await metrics()).toMatch(/mint_alerts_total\{[^}]*alert="tree_full"[^}]*\} [1-9]/)
  })

  it("7b. the fee payer runs out of SOL: classified, alerted, no tight retry loop; funded, everything completes", async () => {
    const funded = stack.localnet.svm.getBalance(toAddress(stack.payer.address)) ?? 0n
    stack.localnet.fund(stack.payer.address, 1_000n) // less than one signature's fee
    // A prepare is one simulation, or two when the first ran on a guessed compute limit.
    const prepares = () => stack.proxy.calls("simulateTransaction")
    const before = prepares()
    const logsBefore = service.logs().length
    const batch = await submit([service.url], stack.secret, tickets("broke", 6))
    accepted.push(...batch.accepted)
    const alert = await service.waitForLog(
      (l) => service.logs().indexOf(l) >= logsBefore && l.text.startsWith("fee payer cannot pay"),
      30_000
    )
    const firstRound = prepares() - before
    const quietMs = 6_000
    await sleep(quietMs)
    const duringPause = prepares() - before - firstRound
    console.log(
      `faults/capacity 7b: ${firstRound} simulations in the first round, ${duringPause} in the ${quietMs / 1000} s after it (pause ${alert.raw.retryInMs} ms)`
    )

    // Classified, alerted, and waiting with the attempts untouched.
    expect(alert.level).toBe("ERROR")
    expect(alert.raw.alert).toBe("fee_payer_insufficient_funds")
    expect(alert.raw.account).toBe(stack.payer.address)
    expect(Number(alert.raw.retryInMs)).toBeGreaterThanOrEqual(8_000)
    expect(await metrics()).toMatch(
      /mint_alerts_total\{[^}]*alert="fee_payer_insufficient_funds"[^}]*\} [1-9]/
    )
    for (const ticketId of batch.accepted) {
      const mint = Option.getOrThrow(await auditor.mint(ticketId))
      expect(mint.status).toBe("pending")
      expect(mint.attempts).toBe(0)
      expect(mint.failure?.code).toBe("insufficient_funds")
    }
    // No tight loop: one round's prepares (at most one per mint), then silence until the probe.
    expect(firstRound).toBeGreaterThanOrEqual(1)
    expect(firstRound).toBeLessThanOrEqual(2 * batch.accepted.length)
    // Silence, but for stragglers: under load a prepare that began before the hold (or a mint of
    // the previous case still in the pipeline) may still ask once. A tight loop asks many times
    // a second; at most one more ask per mint of the batch is allowed.
    expect(duringPause).toBeLessThanOrEqual(batch.accepted.length)

    stack.localnet.fund(stack.payer.address, funded)
    await settled(auditor.counts, { timeoutMs: 90_000 })
    for (const ticketId of batch.accepted) {
      const mint = Option.getOrThrow(await auditor.mint(ticketId))
      expect(mint.status).toBe("completed")
      expect(mint.failure).toBeNull()
    }
  })

  it("in the end: every accepted ticket minted exactly once", async () => {
    expectExactlyOnce(await auditor.audit(accepted))
  })
})

const toAddress = (address: string) =>
  address as unknown as Parameters<Stack["localnet"]["svm"]["getBalance"]>[0]
