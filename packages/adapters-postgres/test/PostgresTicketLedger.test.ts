/** The platform's tickets row: updated when the table is there, never inserted, no-op without it. */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { TicketLedger } from "@tickettoken/minting-core"
import { TicketLedgerContract } from "@tickettoken/minting-core/testing/contracts"
import { DateTime, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { client, createDatabase, execute, freshRepositories } from "./TestDatabase.ts"

const knownId = "5b8f7a46-9d0e-4d55-8a55-0d2f4ad2a001"

const withTickets = await createDatabase()
const withoutTickets = await createDatabase()
const partial = await createDatabase()
afterAll(() => Promise.all([withTickets.drop(), withoutTickets.drop(), partial.drop()]))

// The platform's table as the seed used it: a uuid id and a ticket number.
await execute(
  withTickets.url,
  `CREATE TABLE tickets (
    id uuid PRIMARY KEY,
    ticket_number text UNIQUE,
    status text,
    mint_address text,
    blockchain_status text,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz
  )`,
  `INSERT INTO tickets (id, ticket_number, status) VALUES
    ('${knownId}', 'TKT-0001', 'SOLD'),
    ('5b8f7a46-9d0e-4d55-8a55-0d2f4ad2a002', 'TKT-0002', 'SOLD')`
)
// A platform table without mint_address: the status is still recorded.
await execute(
  partial.url,
  `CREATE TABLE tickets (ticket_number text PRIMARY KEY, blockchain_status text)`,
  `INSERT INTO tickets VALUES ('TKT-9', NULL)`
)

const layerWith = freshRepositories(client(withTickets.url, 2))
const layerWithout = freshRepositories(client(withoutTickets.url, 2))
const layerPartial = freshRepositories(client(partial.url, 2))

TicketLedgerContract.suite("postgresql, with the platform's tickets table", layerWith, {
  knownTicketId: knownId
})
TicketLedgerContract.suite("postgresql, without a tickets table", layerWithout)

const at = DateTime.makeUnsafe("2026-03-01T12:00:00.000Z")

describe("PostgresTicketLedger", () => {
  it.live("updates the row found by id or by ticket number, and inserts nothing", () =>
    Effect.gen(function* () {
      const ledger = yield* TicketLedger
      const sql = yield* SqlClient.SqlClient
      assert.isTrue(yield* ledger.markMinted(knownId, "asset-by-id", at))
      assert.isTrue(yield* ledger.markMinted("TKT-0002", "asset-by-number", at))
      assert.isFalse(yield* ledger.markMinted("TKT-unknown", "asset-x", at))
      assert.isFalse(yield* ledger.markMinted("not-a-uuid-or-number", "asset-x", at))
      const rows = yield* sql<{
        ticket_number: string
        mint_address: string | null
        blockchain_status: string | null
        updated_at: Date | null
      }>`SELECT ticket_number, mint_address, blockchain_status, updated_at FROM tickets ORDER BY ticket_number`
      assert.deepStrictEqual(
        rows.map((r) => [r.ticket_number, r.mint_address, r.blockchain_status, r.updated_at?.toISOString()]),
        [
          ["TKT-0001", "asset-by-id", "minted", "2026-03-01T12:00:00.000Z"],
          ["TKT-0002", "asset-by-number", "minted", "2026-03-01T12:00:00.000Z"]
        ]
      )
    }).pipe(Effect.provide(layerWith))
  )

  it.live("without a tickets table it updates nothing and creates nothing", () =>
    Effect.gen(function* () {
      const ledger = yield* TicketLedger
      const sql = yield* SqlClient.SqlClient
      assert.isFalse(yield* ledger.markMinted(knownId, "asset-1", at))
      const [found] = yield* sql<{ table: string | null }>`SELECT to_regclass('tickets')::text AS table`
      assert.isNull(found?.table ?? null)
    }).pipe(Effect.provide(layerWithout))
  )

  it.live("uses only the columns the platform's table has", () =>
    Effect.gen(function* () {
      const ledger = yield* TicketLedger
      const sql = yield* SqlClient.SqlClient
      assert.isTrue(yield* ledger.markMinted("TKT-9", "asset-9", at))
      const [row] = yield* sql<{ blockchain_status: string }>`SELECT blockchain_status FROM tickets`
      assert.strictEqual(row?.blockchain_status, "minted")
    }).pipe(Effect.provide(layerPartial))
  )
})
