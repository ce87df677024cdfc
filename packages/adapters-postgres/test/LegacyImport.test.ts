/**
 * The legacy import on a database built from the old service's own DDL and models, with rows of
 * each kind: a dry run writes nothing, an apply imports one mint per ticket (imported, never
 * completed), every signature and row as evidence, the collections with their supplies; a second
 * apply adds nothing; the old tables are never changed.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Base58, LegacyImport as Legacy, MintRepository } from "@tickettoken/minting-core"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import * as LegacyImport from "../src/LegacyImport.ts"
import * as PostgresDatabase from "../src/PostgresDatabase.ts"
import { LegacySeed } from "../src/testing/index.ts"
import { createDatabase, execute } from "./TestDatabase.ts"

const signature = (seed: number) =>
  Base58.encode(Uint8Array.from({ length: 64 }, (_, i) => (seed * 31 + i) % 256))
const mock = (ms: number) => Base58.encode(new TextEncoder().encode(`mock-sig-${ms}`))
const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
const collectionA = "5b8f7a46-9d0e-4d55-8a55-0d2f4ad2c001"
const collectionB = "5b8f7a46-9d0e-4d55-8a55-0d2f4ad2c002"
const nft1 = "5b8f7a46-9d0e-4d55-8a55-0d2f4ad2d001"
const nft2 = "5b8f7a46-9d0e-4d55-8a55-0d2f4ad2d002"

const database = await createDatabase()
afterAll(() => database.drop())

await execute(
  database.url,
  ...LegacySeed.ddl,
  `INSERT INTO public.collections (id, name, symbol, contract_address, blockchain, max_supply, current_supply, metadata) VALUES
    ('${collectionA}', 'Summer Fest', 'SFEST', 'CoLLectionAddressA111111111111111111111111', 'solana', 100, 3, '{"uri":"https://x/a.json"}'),
    ('${collectionB}', 'Oversold', 'OVR', 'CoLLectionAddressB111111111111111111111111', 'solana', 2, 5, null)`,
  `INSERT INTO public.nfts (id, token_id, contract_address, owner_address, metadata_uri, blockchain) VALUES
    ('${nft1}', 'MockMintAddr1', 'CoLLectionAddressA111111111111111111111111', '${owner}', 'https://ipfs.io/ipfs/mock-t-1', 'solana'),
    ('${nft2}', 'MockMintAddr6', 'CoLLectionAddressA111111111111111111111111', 'not-an-address', null, 'solana')`,
  // The orchestrator's table: completed with a mock signature (linked to an nft with its owner),
  // completed with a real-looking signature that never landed, pending, failed, a bad ticket id.
  `INSERT INTO public.nft_mints (ticket_id, transaction_signature, mint_address, metadata_uri, merkle_tree, status) VALUES
    ('t-1', '${mock(1700000000001)}', 'MockMintAddr1', 'https://ipfs.io/ipfs/mock-t-1', NULL, 'completed'),
    ('t-2', '${signature(2)}', 'MockMintAddr2', 'https://ipfs.io/ipfs/mock-t-2', 'OldTree111', 'completed'),
    ('t-3', NULL, NULL, NULL, NULL, 'pending'),
    ('t-4', NULL, NULL, NULL, NULL, 'failed'),
    ('bad id/with slash', '${signature(9)}', NULL, NULL, NULL, 'completed')`,
  // The knex model's table: a second row for t-1 (the same claim), and t-6 known only here.
  `INSERT INTO public.mints (ticket_id, nft_id, status, transaction_hash, blockchain, retry_count) VALUES
    ('t-1', '${nft1}', 'completed', '${signature(1)}', 'solana', 0),
    ('t-6', '${nft2}', 'minting', NULL, 'solana', 1)`,
  `INSERT INTO public.reconciliation_reports (report_data, db_to_chain_count, chain_to_db_count, mismatch_count, success_count)
    VALUES ('{"success":[]}', 0, 0, 0, 0)`
)

const service = PostgresDatabase.layer({ url: database.url, maxConnections: 2 })
const run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | MintRepository>) =>
  Effect.runPromise(Effect.provide(effect, service) as Effect.Effect<A, E>)

const fingerprint = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return {
    rows: yield* sql.unsafe(LegacySeed.fingerprintQuery),
    columns: yield* sql.unsafe(LegacySeed.columnsQuery)
  }
})
const counts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ mints: number; attempts: number; evidence: number; collections: number }>`
    SELECT (SELECT count(*)::int FROM mints) AS mints, (SELECT count(*)::int FROM mint_attempts) AS attempts,
           (SELECT count(*)::int FROM legacy_evidence) AS evidence, (SELECT count(*)::int FROM collections) AS collections`
  return row!
})

describe("pnpm migrate:legacy", () => {
  it("dry run, apply, apply again: one imported mint per ticket, evidence kept, old tables untouched", async () => {
    const before = await run(fingerprint)

    const dry = await run(LegacyImport.run())
    assert.isFalse(dry.apply)
    assert.deepStrictEqual(dry.sourceRows, {
      nft_mints: 5,
      mints: 2,
      nfts: 2,
      collections: 2,
      reconciliation_reports: 1
    })
    assert.strictEqual(dry.tickets, 5)
    assert.deepStrictEqual(dry.mints, { toCreate: 5, created: 0, present: 0 })
    assert.deepStrictEqual(dry.collections, { toCreate: 2, created: 0, present: 0 })
    assert.deepStrictEqual(dry.evidence, { toCreate: 12, created: 0, present: 0 })
    assert.deepStrictEqual(dry.byClaimedStatus, { completed: 2, pending: 1, failed: 1, minting: 1 })
    assert.strictEqual(dry.signatures, 2)
    assert.strictEqual(dry.notSignatures, 1)
    assert.strictEqual(dry.ownersUnknown, 4)
    assert.deepStrictEqual(
      dry.refused.map((r) => r.source.split(":")[0]),
      ["nft_mints"]
    )
    assert.deepStrictEqual(await run(counts), { mints: 0, attempts: 0, evidence: 0, collections: 0 })

    const applied = await run(LegacyImport.run({ apply: true, batchSize: 2 }))
    assert.deepStrictEqual(applied.mints, { toCreate: 5, created: 5, present: 0 })
    assert.deepStrictEqual(applied.collections, { toCreate: 2, created: 2, present: 0 })
    assert.strictEqual(applied.evidence.created, 12)
    assert.deepStrictEqual(await run(counts), { mints: 5, attempts: 2, evidence: 12, collections: 2 })

    await run(
      Effect.gen(function* () {
        const mints = yield* MintRepository
        const sql = yield* SqlClient.SqlClient
        const statuses = yield* sql<{
          status: string
          n: number
        }>`SELECT status, count(*)::int AS n FROM mints GROUP BY status`
        assert.deepStrictEqual(
          [...statuses],
          [{ status: "imported", n: 5 }],
          "nothing imported is trusted as completed"
        )
        const t1 = yield* mints.findByTicket("t-1")
        const mint1 = t1._tag === "Some" ? t1.value : null
        assert.strictEqual(mint1?.request.owner, owner)
        assert.strictEqual(mint1?.request.collectionId, collectionA)
        assert.strictEqual(Legacy.claimedStatus(mint1!), "completed")
        assert.match(mint1!.failure!.message, /1 recorded value\(s\) that are no Solana signature/)
        const signatures = yield* mints.signaturesOf([mint1!.id])
        assert.deepStrictEqual(signatures.get(mint1!.id), [signature(1)])
        const t6 = yield* mints.findByTicket("t-6")
        assert.strictEqual(t6._tag === "Some" ? t6.value.request.owner : null, Legacy.unknownOwner)
        const collections = yield* sql<{
          id: string
          max_supply: number
          current_supply: number
          collection_mint: string
        }>`
          SELECT id, max_supply, current_supply, collection_mint FROM collections ORDER BY id`
        assert.deepStrictEqual(
          collections.map((c) => [c.id, c.current_supply, c.max_supply]),
          [
            [collectionA, 3, 100],
            [collectionB, 5, 5]
          ]
        )
        // Every old row kept whole, the mock signature and the mint address included.
        const [evidence] = yield* sql<{
          row_data: { transaction_signature: string; mint_address: string }
          mint_id: string
        }>`
          SELECT row_data, mint_id FROM legacy_evidence WHERE source_table = 'nft_mints' AND ticket_id = 't-1'`
        assert.strictEqual(evidence?.row_data.transaction_signature, mock(1700000000001))
        assert.strictEqual(evidence?.row_data.mint_address, "MockMintAddr1")
        assert.strictEqual(evidence?.mint_id, mint1!.id)
      })
    )

    const again = await run(LegacyImport.run({ apply: true }))
    assert.deepStrictEqual(again.mints, { toCreate: 0, created: 0, present: 5 })
    assert.deepStrictEqual(again.collections, { toCreate: 0, created: 0, present: 2 })
    assert.deepStrictEqual(again.evidence, { toCreate: 0, created: 0, present: 12 })
    assert.deepStrictEqual(await run(counts), { mints: 5, attempts: 2, evidence: 12, collections: 2 })

    assert.deepStrictEqual(await run(fingerprint), before, "the old tables are only read")
  })

  it("finds nothing to import where the old tables do not exist", async () => {
    const empty = await createDatabase()
    try {
      const report = await Effect.runPromise(
        LegacyImport.run().pipe(Effect.provide(PostgresDatabase.layer({ url: empty.url, maxConnections: 2 })))
      )
      assert.deepStrictEqual(report.sourceRows, {
        nft_mints: null,
        mints: null,
        nfts: null,
        collections: null,
        reconciliation_reports: null
      })
      assert.strictEqual(report.tickets, 0)
    } finally {
      await empty.drop()
    }
  })
})
