/**
 * The reconciler on real PostgreSQL against the localnet with the real Bubblegum programs,
 * through the real adapter over JSON-RPC. Skipped, in one line, when the program cache lacks them.
 */
import { afterAll, beforeAll, describe, it } from "@effect/vitest"
import { type Localnet, startLocalnet } from "@tickettoken/solana-localnet"
import { Effect } from "effect"
import { onLocalnet, programsMissing } from "./Chains.ts"
import { checkpointedScan, everyReasonCode, roomyTree, smallTree, stack } from "./Scenarios.ts"
import { createDatabase, type TestDatabase } from "./TestDatabase.ts"

const missing = programsMissing()
if (missing !== undefined) console.log(`reconciler Bubblegum cases skipped: ${missing}`)

describe.skipIf(missing !== undefined)("reconciler on PostgreSQL and the localnet (real Bubblegum)", () => {
  let database: TestDatabase
  let localnet: Localnet
  beforeAll(async () => {
    database = await createDatabase()
    localnet = await startLocalnet({ port: 0, slotIntervalMs: 20 })
  })
  afterAll(async () => {
    await localnet?.close()
    await database?.drop()
  })

  it.live("builds every reason code and repairs only what the chain proves", () =>
    Effect.asVoid(everyReasonCode.pipe(Effect.provide(stack(database, onLocalnet(localnet), smallTree))))
  )

  it.live("a checkpointed scan resumes where it stopped and then reads only new leaves", () =>
    Effect.asVoid(checkpointedScan.pipe(Effect.provide(stack(database, onLocalnet(localnet), roomyTree))))
  )
})
