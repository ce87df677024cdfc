/**
 * A mint row edited by hand into something the service never writes must stay readable: one
 * such row in a page would otherwise fail every read of the page, and every reconciliation pass
 * (issue 10: the reconciler judges what an operator tampered with instead of stopping at it).
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { MintRepository } from "@tickettoken/minting-core"
import { ContractFixtures as F } from "@tickettoken/minting-core/testing/contracts"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { requestFromColumns } from "../src/MintRows.ts"
import { client, createDatabase, freshRepositories } from "./TestDatabase.ts"

const database = await createDatabase()
afterAll(() => database.drop())

const layer = freshRepositories(client(database.url, 2))

describe("a mint row edited by hand", () => {
  it.live("a request column that is no request: read from the row's columns, in a scan and alone", () =>
    Effect.gen(function* () {
      const repo = yield* MintRepository
      const sql = yield* SqlClient.SqlClient
      const good = F.mint()
      const edited = F.mint()
      yield* repo.create(good)
      yield* repo.create(edited)
      yield* sql`UPDATE mints SET request = '{"ticketId": 5}'::jsonb WHERE id = ${edited.id}`

      const page = yield* repo.scan(["pending"], null, 10)
      assert.strictEqual(page.items.length, 2, "the page is read whole")
      const read = Option.getOrThrow(yield* repo.findByTicket(edited.ticketId))
      assert.isTrue(requestFromColumns(read))
      assert.deepStrictEqual(
        [read.request.ticketId, read.request.orderId, read.request.eventId, read.request.owner],
        [edited.ticketId, edited.request.orderId, edited.request.eventId, edited.request.owner]
      )
      assert.isUndefined(read.request.metadata, "the metadata was in the request column only")
      const other = page.items.find((m) => m.id === good.id)!
      assert.isFalse(requestFromColumns(other))
      assert.deepStrictEqual(F.encodedMint(other), F.encodedMint(good))
    }).pipe(Effect.provide(layer))
  )
})
