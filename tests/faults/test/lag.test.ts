/**
 * Case 4: a lagging RPC reports a low block height (and an older blockhash) while the
 * transaction lands at its last valid block. The localnet's slots are driven by hand here, so
 * "lands at its last valid block" is exact: every send is held until the cluster stands at the
 * signature's lastValidBlockHeight, then the next re-send of the same bytes lands there. The
 * worker must not re-sign: the block height never passed the last valid one, and the lagging
 * endpoint says it is further away still.
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

beforeAll(async () => {
  if (!withPrograms) return
  // No slot timer: a slot closes when a request lands transactions, or when the test says.
  stack = await startStack({ localnet: { slotIntervalMs: 0 } })
  stack.localnet.advanceSlots(300)
  auditor = makeAuditor({ databaseUrl: stack.databaseUrl, rpcUrl: stack.localnet.rpcUrl })
  service = await stack.service("worker")
  await service.start()
})

afterAll(async () => {
  await auditor?.dispose()
  await stack?.close()
})

const LAG = 120

describe.skipIf(!withPrograms)("a lagging RPC", () => {
  it("4. reports a low block height while the transaction lands at its last valid block: no re-sign", async () => {
    const lag = stack.proxy.add({
      methods: ["getBlockHeight", "getLatestBlockhash"],
      action: { kind: "lag", blocks: LAG }
    })
    const sendsHeld = stack.proxy.add({ methods: ["sendTransaction"], action: { kind: "hold" } })
    const [request] = tickets("lag", 1)
    const batch = await submit([service.url], stack.secret, [request!])
    expect(batch.accepted).toEqual([request!.ticketId])

    // Signed and stored; every send so far held.
    let stored = Option.none<{ signature: string; lastValidBlockHeight: number }>()
    for (let i = 0; i < 300 && Option.isNone(stored); i++) {
      const mint = await auditor.mint(request!.ticketId)
      if (Option.isSome(mint) && mint.value.transaction !== null) stored = Option.some(mint.value.transaction)
      else await sleep(100)
    }
    const { signature, lastValidBlockHeight } = Option.getOrThrow(stored)

    // The cluster moves to the signature's last valid block; the lagging RPC says it is far behind.
    const height = stack.localnet.blockHeight()
    expect(lastValidBlockHeight).toBeGreaterThan(height)
    stack.localnet.advanceSlots(lastValidBlockHeight - height)
    expect(stack.localnet.blockHeight()).toBe(lastValidBlockHeight)
    const reported = await fetch(stack.proxy.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "getBlockHeight",
        params: [{ commitment: "confirmed" }]
      })
    }).then((r) => r.json() as Promise<{ result: number }>)
    expect(reported.result).toBeLessThanOrEqual(lastValidBlockHeight - LAG)
    // Several re-sends are held at this height first: the worker keeps the same bytes.
    const sendsBefore = stack.proxy.calls("sendTransaction")
    for (let i = 0; i < 100 && stack.proxy.calls("sendTransaction") < sendsBefore + 2; i++) await sleep(100)
    const slotAtLastValid = stack.localnet.slot()
    stack.proxy.remove(sendsHeld)

    await settled(auditor.counts, { timeoutMs: 60_000 })
    const mint = Option.getOrThrow(await auditor.mint(request!.ticketId))
    expect(mint.status).toBe("completed")
    expect(mint.asset!.signature).toBe(signature)
    // It landed in the slot of the last valid block, not a block later.
    expect(mint.asset!.slot).toBe(slotAtLastValid)
    const attempts = await auditor.attempts(mint.id)
    expect(attempts.map((a) => [a.signature, a.outcome])).toEqual([[signature, "landed"]])
    stack.proxy.remove(lag)
    expectExactlyOnce(await auditor.audit([request!.ticketId]))
  })
})
