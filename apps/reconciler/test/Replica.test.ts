/**
 * The replica scenarios (ReplicaScenarios.ts) on real PostgreSQL: against the simulated chain
 * always, and against the localnet with the real Bubblegum programs (skipped in one line where
 * the program cache lacks them; an error under CI).
 */
import { afterAll, beforeAll, describe, it } from "@effect/vitest"
import { startLocalnet } from "@tickettoken/solana-localnet"
import { Effect } from "effect"
import { type LocalnetBox, onLocalnet, programsMissing, simulated } from "./Chains.ts"
import { chainRestarted, holdersAndDoubles, massRepair, tamperedDatabase } from "./ReplicaScenarios.ts"
import { roomyTree, stack } from "./Scenarios.ts"
import { createDatabase, type TestDatabase } from "./TestDatabase.ts"

const missing = programsMissing()

let database: TestDatabase
beforeAll(async () => {
  database = await createDatabase()
})
afterAll(() => database.drop())

describe("the replica's cases on PostgreSQL and the simulated chain", () => {
  const on = <A, E, R>(scenario: Effect.Effect<A, E, R>) =>
    Effect.asVoid(scenario.pipe(Effect.provide(stack(database, simulated, roomyTree)))) as Effect.Effect<void>
  it.live("the database tampered with: each case its finding, and nothing minted twice", () =>
    on(tamperedDatabase)
  )
  it.live("holders transfer and burn with the service's proofs; a second leaf is double_mint", () =>
    on(holdersAndDoubles)
  )
  it.live("the chain restarted: chain_reset, no repair", () => on(chainRestarted()))
  it.live("another cluster behind the URL: chain_reset by genesis, no repair", () =>
    on(chainRestarted("AnotherC1usterGenesis11111111111111111111111"))
  )
  it.live("a mass repair over the limit is withheld until accepted", () => on(massRepair))
})

describe.skipIf(missing !== undefined)(
  "the replica's cases on PostgreSQL and the localnet (real Bubblegum)",
  () => {
    const box = {} as LocalnetBox
    beforeAll(async () => {
      box.current = await startLocalnet({ port: 0, slotIntervalMs: 20 })
    })
    afterAll(async () => {
      await box.current?.close()
    })
    const on = <A, E, R>(scenario: Effect.Effect<A, E, R>) =>
      Effect.suspend(() =>
        Effect.asVoid(scenario.pipe(Effect.provide(stack(database, onLocalnet(box.current, box), roomyTree))))
      ) as Effect.Effect<void>

    it.live("the database tampered with: each case its finding, and nothing minted twice", () =>
      on(tamperedDatabase)
    )
    it.live("holders transfer and burn with the service's proofs; a second leaf is double_mint", () =>
      on(holdersAndDoubles)
    )
    it.live("a mass repair over the limit is withheld until accepted", () => on(massRepair))
    // Last: it restarts the localnet (a new, empty chain on the same port).
    it.live("the local devnet restarted empty: chain_reset, no repair", () => on(chainRestarted()))
  }
)
