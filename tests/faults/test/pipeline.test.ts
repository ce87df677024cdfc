/**
 * Issue 12: one mint whose confirmation never comes does not delay 100 others. The worker used
 * to claim a round and wait for all of it: one mint waiting for its blockhash to expire held
 * every later claim back for up to a minute.
 *
 * The never-confirming mint is made real: signed and stored while the proxy holds every send
 * (so its bytes never reach the chain), the service killed, and its stored bytes replaced by
 * bytes no node accepts. Recovery takes it up at the next start; its signature stays absent
 * until its blockhash provably expires (about a minute), then it is signed again and completes.
 */
import type { Mint } from "@tickettoken/minting-core"
import { Option } from "effect"
import { SqlClient } from "effect/sql"
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
  stack = await startStack({ localnet: { slotIntervalMs: 200 } })
  auditor = makeAuditor({ databaseUrl: stack.databaseUrl, rpcUrl: stack.localnet.rpcUrl })
  service = await stack.service("worker")
  await service.start()
})

afterAll(async () => {
  await auditor?.dispose()
  await stack?.close()
})

describe.skipIf(!withPrograms)("a pipeline, not rounds", () => {
  it("one mint whose confirmation never comes does not delay 100 others", async () => {
    const held = stack.proxy.add({ methods: ["sendTransaction"], action: { kind: "hold", maxMs: 500 } })
    const never = await submit([service.url], stack.secret, tickets("never", 1))
    let mint: Mint | undefined
    for (let i = 0; i < 200 && mint === undefined; i++) {
      const found = Option.getOrUndefined(await auditor.mint(never.accepted[0]!))
      if (found?.transaction !== null && found !== undefined) mint = found
      else await sleep(50)
    }
    if (mint === undefined) throw new Error("the mint was never signed")
    await service.kill()
    stack.proxy.remove(held)
    // Bytes nobody accepts under the stored signature: it can never land. Its blockhash is kept
    // young enough to stay valid for the whole case (the height must reach it to expire).
    const height = stack.localnet.blockHeight()
    await auditor.run(
      SqlClient.SqlClient.use(
        (sql) =>
          sql`UPDATE mints SET tx_wire = ${new Uint8Array([1, 2, 3])}, tx_last_valid_block_height = ${height + 280},
              lease_expires_at = now() - interval '1 second' WHERE id = ${mint.id}`
      )
    )
    await service.start()

    const started = Date.now()
    const others = await submit([service.url], stack.secret, tickets("others", 100))
    expect(others.accepted).toHaveLength(100)
    for (;;) {
      const states = await Promise.all(others.accepted.map((t) => auditor.mint(t)))
      if (states.every((m) => Option.isSome(m) && m.value.status === "completed")) break
      if (Date.now() - started > 40_000) throw new Error("the 100 did not complete within 40 s")
      await sleep(200)
    }
    const tookMs = Date.now() - started
    const neverNow = Option.getOrThrow(await auditor.mint(never.accepted[0]!))
    console.log(`faults/pipeline: 100 mints completed in ${tookMs} ms while one stayed ${neverNow.status}`)
    // The 100 finished while the one was still waiting for its confirmation, with its signature.
    expect(neverNow.status).toBe("minting")
    expect(neverNow.transaction?.signature).toBe(mint.transaction!.signature)
    expect(tookMs).toBeLessThan(20_000)

    // And it ends well: expired unseen, signed again, completed, exactly once.
    await settled(auditor.counts, { timeoutMs: 150_000 })
    const final = Option.getOrThrow(await auditor.mint(never.accepted[0]!))
    expect(final.status).toBe("completed")
    expectExactlyOnce(await auditor.audit([...never.accepted, ...others.accepted]))
  })
})
