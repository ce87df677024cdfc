/** The reconciler on real PostgreSQL against the simulated chain of core/testing: always runs. */
import { afterAll, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { simulated } from "./Chains.ts"
import { checkpointedScan, everyReasonCode, roomyTree, smallTree, stack } from "./Scenarios.ts"
import { createDatabase, type TestDatabase } from "./TestDatabase.ts"

let database: TestDatabase
beforeAll(async () => {
  database = await createDatabase()
})
afterAll(() => database.drop())

describe("reconciler on PostgreSQL and the simulated chain", () => {
  it.live("builds every reason code and repairs only what the chain proves", () =>
    Effect.asVoid(everyReasonCode.pipe(Effect.provide(stack(database, simulated, smallTree))))
  )

  it.live("a checkpointed scan resumes where it stopped and then reads only new leaves", () =>
    Effect.asVoid(checkpointedScan.pipe(Effect.provide(stack(database, simulated, roomyTree))))
  )
})
