/**
 * Issue 12: the local devnet restarted empty while mints were queued and in flight. The issue's
 * service saw nothing wrong for minutes (the in-flight mints kept a lastValidBlockHeight of the
 * old chain, far above the new chain's height), then failed all 88 queued mints for good with
 * program_failed 0xbc4 (Anchor's AccountNotInitialized: the tree account was gone) and never
 * rotated the tree.
 *
 * Here: the tree is recognised as missing, retired and replaced, the in-flight signatures count
 * as expired once the new chain proves them absent, and every queued mint completes exactly
 * once, none failed.
 */
import { type Localnet, startLocalnet } from "@tickettoken/solana-localnet"
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
let restarted: Localnet | undefined

beforeAll(async () => {
  if (!withPrograms) return
  stack = await startStack({ localnet: { slotIntervalMs: 200 } })
  // The old chain is well along, as the was (last valid block heights near 1,075).
  stack.localnet.advanceSlots(900)
  auditor = makeAuditor({ databaseUrl: stack.databaseUrl, rpcUrl: stack.localnet.rpcUrl })
  service = await stack.service("worker", { STALL_WARN_AFTER_MS: "5000" })
  await service.start()
})

afterAll(async () => {
  await auditor?.dispose()
  await restarted?.close()
  await stack?.close().catch(() => {})
})

describe.skipIf(!withPrograms)("a chain restarted empty", () => {
  it("the tree is retired and replaced, in-flight signatures expire, every queued mint completes exactly once", async () => {
    const [oldTree] = await auditor.trees()
    // Sends held: mints are signed and stored against the old chain, none lands before it goes.
    const held = stack.proxy.add({ methods: ["sendTransaction"], action: { kind: "hold", maxMs: 500 } })
    const batch = await submit([service.url], stack.secret, tickets("reset", 60))
    expect(batch.accepted).toHaveLength(60)
    let inFlight = 0
    for (let i = 0; i < 200 && inFlight < 5; i++) {
      const mints = await Promise.all(batch.accepted.map((t) => auditor.mint(t)))
      inFlight = mints.filter((m) => Option.isSome(m) && m.value.transaction !== null).length
      if (inFlight < 5) await sleep(50)
    }
    expect(inFlight).toBeGreaterThanOrEqual(5)

    // The chain restarts empty on the same port: no tree, no fee payer, height near 0.
    const { port, wsPort } = stack.localnet
    await stack.localnet.close()
    restarted = await startLocalnet({ port, wsPort, slotIntervalMs: 200 })
    stack.proxy.remove(held)
    const started = Date.now()

    // As in the issue, the fee payer is empty on the new chain at first: nothing may fail, the
    // watchdog says why, /health/chain tells the truth.
    await service.waitForLog(
      (l) => l.text === "mint worker stalled: mints are waiting and none has completed" && l.run === 1,
      30_000
    )
    const unfunded = (await (await fetch(`${service.url}/health/chain`)).json()) as {
      status: string
      problems: Array<{ reason: string }>
    }
    expect(unfunded.status).toBe("degraded")
    expect(unfunded.problems.map((p) => p.reason)).toContain("fee_payer_low")
    expect((await auditor.counts()).failed).toBe(0)
    restarted.fund(stack.payer.address, 1_000_000_000_000n)

    await settled(auditor.counts, { timeoutMs: 150_000 })
    console.log(
      `faults/reset: ${inFlight}+ in flight at the restart; settled in ${Math.round((Date.now() - started) / 1000)} s`
    )
    // The signatures of the old chain: its height cannot reach their last valid block, so once
    // the new chain says they are absent they count as expired.
    const expired = service.logs().filter((l) => l.text === "signature expired unseen; requeued")
    expect(expired.length).toBeGreaterThanOrEqual(5)
    const retired = service
      .logs()
      .filter((l) => l.text === "tree missing on chain; retired, a new tree takes over")
    expect(retired).toHaveLength(1)
    expect(retired[0]!.raw.tree).toBe(oldTree!.address)
    const trees = await auditor.trees()
    expect(trees.find((t) => t.address === oldTree!.address)?.status).toBe("full")
    const active = trees.filter((t) => t.status === "active")
    expect(active).toHaveLength(1)
    expect(active[0]!.address).not.toBe(oldTree!.address)

    const audit = await auditor.audit(batch.accepted)
    expectExactlyOnce(audit)
    expect(audit.completed).toBe(60)
    for (const ticketId of batch.accepted) {
      const mint = Option.getOrThrow(await auditor.mint(ticketId))
      expect(mint.asset?.tree).toBe(active[0]!.address)
    }
    // Minting goes on, on the new chain; /health/chain still says the cluster is not the one the
    // service started on (the restarted local devnet has a new genesis hash), and nothing else.
    const chain = (await (await fetch(`${service.url}/health/chain`)).json()) as {
      status: string
      problems?: ReadonlyArray<{ reason: string }>
      activeTree?: { exists?: boolean }
    }
    expect(chain.status).toBe("degraded")
    expect((chain.problems ?? []).map((p) => p.reason)).toEqual(["genesis_changed"])
    expect(chain.activeTree?.exists).toBe(true)
  })
})
