/**
 * Case 1: the worker process is killed (SIGKILL) at each step of a mint, by the service's own
 * fault hook (TT_FAULT_CRASH_AT) so the kill lands exactly there; then it is started again.
 *
 *   signed     signed, not stored: nothing that could land exists; the restart signs anew
 *   persisted  stored, never sent: the restart sends the stored bytes (same signature)
 *   sent       sent, not confirmed: the restart finds it landed and completes it
 *   confirmed  landed, not completed in the database: the restart completes it
 *
 * Each mint ends completed with one leaf; a second signature appears only where the first
 * provably expired unseen.
 */
import type { CrashPoint, Mint } from "@tickettoken/minting-core"
import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Auditor, makeAuditor } from "../src/Audit.ts"
import type { ServiceProcess } from "../src/ServiceProcess.ts"
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
  service = await stack.service("worker")
})

afterAll(async () => {
  await auditor?.dispose()
  await stack?.close()
})

const statusOnChain = async (signature: string) => {
  const answer = (await (
    await fetch(stack.localnet.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "getSignatureStatuses",
        params: [[signature], { searchTransactionHistory: true }]
      })
    })
  ).json()) as { result: { value: Array<{ err: unknown } | null> } }
  return answer.result.value[0] ?? null
}

const crashedMint = async (point: CrashPoint): Promise<Mint> => {
  const line = await service.waitForLog((l) => l.text === `fault injection: SIGKILL at ${point}`)
  return Option.getOrThrow(await auditor.mintById(String(line.raw.mintId)))
}

describe.skipIf(!withPrograms)("the worker killed at each step of a mint", () => {
  const points: ReadonlyArray<CrashPoint> = ["signed", "persisted", "sent", "confirmed"]

  for (const point of points) {
    it(`SIGKILL at "${point}": after the restart each mint is completed with one leaf`, async () => {
      await service.start({ TT_FAULT_CRASH_AT: point })
      const batch = await submit([service.url], stack.secret, tickets(`k-${point.slice(0, 4)}`, 3))
      expect(batch.notAccepted).toEqual([])
      accepted.push(...batch.accepted)
      const exit = await service.exited()
      expect(exit.signal).toBe("SIGKILL")

      // What the crash left behind, as the database and the chain tell it.
      const crashed = await crashedMint(point)
      expect(crashed.status).toBe("minting")
      const attempts = await auditor.attempts(crashed.id)
      if (point === "signed") {
        expect(crashed.transaction).toBeNull()
        expect(attempts).toEqual([])
      } else {
        expect(crashed.transaction).not.toBeNull()
        expect(attempts.map((a) => a.signature)).toEqual([crashed.transaction!.signature])
        const onChain = await statusOnChain(crashed.transaction!.signature)
        if (point === "persisted") expect(onChain).toBeNull()
        if (point === "confirmed") expect(onChain).toMatchObject({ err: null })
      }

      await service.start()
      await settled(auditor.counts, { timeoutMs: 90_000 })
      const done = Option.getOrThrow(await auditor.mint(crashed.ticketId))
      expect(done.status).toBe("completed")
      const after = await auditor.attempts(done.id)
      if (point !== "signed") {
        // The stored signature is the one that landed, unless it provably expired unseen first.
        const same = done.asset!.signature === crashed.transaction!.signature
        expect(same || (after[0]!.outcome === "expired" && after.length > 1)).toBe(true)
      }
      await service.stop()
    })
  }

  it("in the end: every accepted ticket minted exactly once", async () => {
    const audit = await auditor.audit(accepted)
    expect(audit.accepted).toBe(12)
    expectExactlyOnce(audit)
  })
})
