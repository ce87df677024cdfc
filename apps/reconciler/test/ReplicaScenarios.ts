/**
 * The failures an operator found by tampering with a running service, one scenario each, on
 * PostgreSQL and a chain: each asserts the report, the repair, and that nothing was minted
 * twice. They run on the simulated chain and on the localnet with the real programs.
 */
import { assert } from "@effect/vitest"
import {
  adoptLeaf,
  assetProof,
  type Finding,
  FindingRepository,
  MintRepository,
  MintRequest,
  MintWorker,
  ReplicaRepository,
  requestMint,
  retryMint,
  TicketMetadata,
  TicketMetadataInput,
  TreeRegistry
} from "@tickettoken/minting-core"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { runPass } from "../src/Pass.ts"
import { ChainDriver, type Holder, keypair } from "./Chains.ts"
import { ghostRow, minted, pass, reconciled, request } from "./Scenarios.ts"

const BASE = "https://mint.test"

const findingOf = (findings: ReadonlyArray<Finding>, ticketId: string) =>
  findings.find((f) => f.ticketId === ticketId)

const mintFor = (ticketId: string) =>
  Effect.flatMap(MintRepository, (mints) => Effect.map(mints.findByTicket(ticketId), Option.getOrThrow))

const activeTree = Effect.flatMap(TreeRegistry, (registry) => Effect.map(registry.active, Option.getOrThrow))

/** Minted for a holder whose key the test has (so the holder can transfer or burn it). */
const mintedFor = (ticketId: string, holder: Holder) =>
  Effect.gen(function* () {
    yield* requestMint(
      new MintRequest({ ticketId, orderId: "order-7", eventId: "event-7", owner: holder.address })
    )
    const round = yield* MintWorker.runRound({ batchSize: 1, concurrency: 1 })
    assert.strictEqual(round.outcomes.completed, 1, `${ticketId} completed`)
    return yield* mintFor(ticketId)
  })

/** No ticket has two leaves: what "nothing minted twice" means on chain. */
export const noTicketTwice = Effect.gen(function* () {
  const replica = yield* ReplicaRepository
  const tickets = new Map<string, number>()
  let cursor: string | null = null
  do {
    const page: { items: ReadonlyArray<{ ticketId: string | null }>; nextCursor: string | null } =
      yield* replica.scan(cursor, 500)
    for (const leaf of page.items) {
      if (leaf.ticketId !== null) tickets.set(leaf.ticketId, (tickets.get(leaf.ticketId) ?? 0) + 1)
    }
    cursor = page.nextCursor
  } while (cursor !== null)
  for (const [ticketId, n] of tickets) assert.strictEqual(n, 1, `ticket ${ticketId} has ${n} leaves`)
})

/** Every tampering of the database the operator tried, in one tree, judged in one pass. */
export const tamperedDatabase = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* minted("good")
  const tree = (yield* activeTree).address
  const edited = yield* minted("owner-edited")
  yield* minted("hash-edited")
  const deleted = yield* minted("deleted")
  const swapped = yield* minted("swapped")
  yield* minted("unsigned")
  yield* minted("creator-garbled")
  yield* minted("fee-garbled")
  yield* minted("request-garbled")

  // 1. The owner edited consistently: the request, the owner column and the asset owner.
  const other = keypair().address
  yield* sql`UPDATE mints SET request = jsonb_set(request, '{owner}', ${JSON.stringify(other)}::jsonb),
    owner = ${other}, asset_owner = ${other} WHERE ticket_id = 'owner-edited'`
  // The metadata changed after minting: another data hash.
  yield* sql`UPDATE mints SET request = request || ${JSON.stringify({ metadata: { name: "Renamed later" } })}::jsonb
    WHERE ticket_id = 'hash-edited'`
  // 2. The row deleted (its attempts go with it).
  yield* sql`DELETE FROM mints WHERE ticket_id = 'deleted'`
  // 3. The signatures replaced by a random one.
  const random = keypair().address + keypair().address
  yield* sql`UPDATE mints SET tx_signature = ${random}, asset_signature = ${random} WHERE ticket_id = 'swapped'`
  // 4. A completed row that lost its signature, and one that never had any.
  yield* sql`UPDATE mints SET tx_signature = NULL, tx_wire = NULL, tx_last_valid_block_height = NULL,
    asset_signature = NULL WHERE ticket_id = 'unsigned'`
  yield* ghostRow("never-signed", tree)
  yield* sql`UPDATE mints SET tx_signature = NULL, tx_wire = NULL, tx_last_valid_block_height = NULL,
    asset_signature = NULL WHERE ticket_id = 'never-signed'`

  // 5. Metadata intake would have refused, written into the row: a creator that is no address,
  // a royalty no u16 holds. Its data hash cannot be computed; the pass must go on without it.
  yield* sql`UPDATE mints SET request = request || ${JSON.stringify({
    metadata: { creators: [{ address: "not-an-address", share: 100 }] }
  })}::jsonb WHERE ticket_id = 'creator-garbled'`
  yield* sql`UPDATE mints SET request = request || ${JSON.stringify({
    metadata: { sellerFeeBasisPoints: 70_000 }
  })}::jsonb WHERE ticket_id = 'fee-garbled'`

  yield* sql`UPDATE mints SET request = '{"ticketId": 5}'::jsonb WHERE ticket_id = 'request-garbled'`

  const report = yield* pass()
  const reason = (ticketId: string) => {
    const f = findingOf(report.findings, ticketId)
    return f === undefined ? undefined : `${f.reasonCode}/${f.action}`
  }
  assert.isUndefined(reason("good"))
  assert.strictEqual(reason("owner-edited"), "metadata_mismatch/flag")
  assert.include(
    findingOf(report.findings, "owner-edited")!.details,
    `owner ${edited.request.owner} on chain, ${other}`
  )
  assert.strictEqual(reason("hash-edited"), "metadata_mismatch/flag")
  assert.include(findingOf(report.findings, "hash-edited")!.details, "data hash")
  assert.strictEqual(reason("deleted"), "chain_orphaned/flag", "the deleted row's leaf names its ticket")
  assert.strictEqual(findingOf(report.findings, "deleted")!.assetId, deleted.asset!.assetId)
  assert.strictEqual(
    reason("swapped"),
    "metadata_mismatch/flag",
    "found by its attempt's signature, not missing"
  )
  assert.include(
    findingOf(report.findings, "swapped")!.details,
    `minted by ${swapped.asset!.signature} on chain`
  )
  assert.strictEqual(reason("unsigned"), "metadata_mismatch/flag", "its attempt still names its leaf")
  assert.strictEqual(reason("never-signed"), "mint_missing/mark_missing")
  // The row whose request column is garbage is read from its columns, and judged: its ticket,
  // owner and (default) metadata agree with its leaf. Before, it failed every pass.
  assert.isUndefined(reason("request-garbled"))
  assert.strictEqual((yield* mintFor("request-garbled")).request.ticketId, "request-garbled")
  for (const ticketId of ["creator-garbled", "fee-garbled"]) {
    assert.strictEqual(reason(ticketId), "metadata_mismatch/flag", ticketId)
    assert.include(findingOf(report.findings, ticketId)!.details, "not valid Bubblegum metadata", ticketId)
  }
  assert.deepStrictEqual(report.alerts, [])

  // Repairs: only the row that has nothing on chain is marked missing.
  assert.strictEqual((yield* mintFor("swapped")).status, "completed")
  assert.strictEqual((yield* mintFor("unsigned")).status, "completed")
  assert.strictEqual((yield* mintFor("never-signed")).status, "missing_on_chain")

  // Re-posting the deleted ticket never mints it again: 409 with its asset.
  const reposted = yield* Effect.flip(requestMint(request("deleted")))
  assert.strictEqual(reposted._tag, "RequestRefused")
  assert.strictEqual(reposted._tag === "RequestRefused" ? reposted.reason._tag : "", "TicketMintedOnChain")
  const refusal = reposted._tag === "RequestRefused" ? reposted.reason : undefined
  assert.strictEqual(refusal?._tag === "TicketMintedOnChain" ? refusal.assetId : null, deleted.asset!.assetId)
  assert.isTrue(Option.isNone(yield* (yield* MintRepository).findByTicket("deleted")), "no row was written")

  // A retry of the mint that has nothing on chain is allowed, and is a retry, not a second leaf.
  assert.strictEqual((yield* retryMint("never-signed")).status, "pending")

  // The next pass reports the same, and the findings are the same open findings.
  const again = yield* pass()
  assert.strictEqual(findingOf(again.findings, "deleted")?.reasonCode, "chain_orphaned")
  const open = yield* (yield* FindingRepository).list({ state: "open", reason: "chain_orphaned", limit: 10 })
  assert.strictEqual(open.items.length, 1)
  assert.strictEqual(open.items[0]!.reportId, again.id)
  assert.strictEqual(again.counts.byReason.double_mint, 0)

  // The operator adopts the deleted ticket's leaf: refused with metadata other than what was
  // minted (it would not be the row that was minted), accepted with the request's own; the next
  // pass resolves the orphan.
  const wrong = yield* Effect.flip(
    adoptLeaf({
      assetId: deleted.asset!.assetId,
      orderId: "order-7",
      eventId: "event-7",
      metadata: new TicketMetadataInput({ name: "Not what was minted" })
    })
  )
  assert.strictEqual(wrong._tag, "AdoptRefused")
  assert.include(wrong.message, "hashes to")
  const adopted = yield* adoptLeaf({
    assetId: deleted.asset!.assetId,
    orderId: "order-7",
    eventId: "event-7"
  })
  assert.strictEqual(adopted.status, "completed")
  assert.strictEqual(adopted.asset?.assetId, deleted.asset!.assetId)
  const third = yield* pass()
  assert.isUndefined(findingOf(third.findings, "deleted"), "adopted: a plain success")
  const closed = yield* (yield* FindingRepository).list({
    state: "resolved",
    reason: "chain_orphaned",
    limit: 10
  })
  assert.strictEqual(closed.items[0]?.resolvedBy, "chain")
  yield* noTicketTwice
  return { report, again }
})

/** Holders transfer and burn tickets with the service's proofs: no finding. A second leaf for a ticket: double_mint. */
export const holdersAndDoubles = Effect.gen(function* () {
  const driver = yield* ChainDriver
  const holder = keypair()
  const moved = yield* mintedFor("moved", holder)
  yield* mintedFor("checked-in", holder)
  const tree = (yield* activeTree).address
  assert.deepStrictEqual((yield* pass()).findings, [])

  const receiver = keypair().address
  const proof = yield* assetProof("moved")
  assert.strictEqual(proof.assetId, moved.asset!.assetId)
  assert.strictEqual(proof.owner, holder.address)
  yield* driver.transfer(proof, holder, receiver)
  yield* driver.burn(yield* assetProof("checked-in"), holder)

  const report = yield* pass()
  assert.deepStrictEqual(
    report.findings.filter((f) => f.reasonCode !== "success"),
    [],
    "a holder's transfer and burn are no mismatch"
  )
  const replica = yield* ReplicaRepository
  const leaf = Option.getOrThrow(yield* replica.findByAssetId(moved.asset!.assetId))
  assert.strictEqual(leaf.owner, receiver, "the current owner is the new holder")
  assert.strictEqual(leaf.mintedOwner, holder.address)
  const burned = yield* mintFor("checked-in")
  assert.strictEqual(Option.getOrThrow(yield* replica.findByAssetId(burned.asset!.assetId)).state, "burned")

  // A second leaf naming the ticket, minted out of band.
  yield* driver.mintOutOfBand(tree, request("moved"), TicketMetadata.uriFor(BASE, "moved"))
  const doubled = yield* pass()
  const f = findingOf(doubled.findings, "moved")
  assert.strictEqual(f?.reasonCode, "double_mint")
  assert.strictEqual(f?.action, "flag")
  assert.strictEqual((yield* mintFor("moved")).status, "completed", "never repaired automatically")
  const open = yield* (yield* FindingRepository).list({ state: "open", reason: "double_mint", limit: 10 })
  assert.strictEqual(open.items.length, 1)
  return { report, doubled }
})

/** The chain restarted empty, or another cluster behind the URL: chain_reset, and no repair at all. */
export const chainRestarted = (genesisHash?: string) =>
  Effect.gen(function* () {
    const driver = yield* ChainDriver
    const a = yield* minted("before-1")
    const b = yield* minted("before-2")
    assert.deepStrictEqual((yield* pass()).findings, [])
    yield* driver.restart(genesisHash)
    const report = yield* pass()
    assert.isAbove(report.counts.byReason.chain_reset, 0)
    assert.strictEqual(
      report.counts.byReason.mint_missing,
      0,
      "nothing judged on a chain that is not the trees'"
    )
    assert.isNotEmpty(report.alerts ?? [])
    for (const m of [a, b]) assert.strictEqual((yield* mintFor(m.ticketId)).status, "completed", "no repair")
    if (genesisHash !== undefined) {
      assert.isTrue(
        report.findings.some((f) => f.reasonCode === "chain_reset" && f.details.includes("genesis"))
      )
    }
    return report
  })

/** More mints would be marked missing than a pass may: none is, until an operator accepts it. */
export const massRepair = Effect.gen(function* () {
  yield* minted("real")
  const tree = (yield* activeTree).address
  const ghosts = yield* Effect.forEach(
    Array.from({ length: 12 }, (_, i) => `ghost-${i}`),
    (id) => ghostRow(id, tree)
  )
  const held = reconciled(
    yield* runPass({ lockName: "reconciler", batchSize: 100, repair: true, minGapMs: 0 })
  )
  assert.strictEqual(held.counts.byReason.mint_missing, 12)
  assert.isTrue(
    (held.alerts ?? []).some((a) => a.includes("mass repair withheld") && a.includes("limit of 10"))
  )
  for (const g of ghosts) assert.strictEqual((yield* mintFor(g.ticketId)).status, "completed")
  yield* runPass({
    lockName: "reconciler",
    batchSize: 100,
    repair: true,
    minGapMs: 0,
    acceptMassRepair: true
  })
  for (const g of ghosts) assert.strictEqual((yield* mintFor(g.ticketId)).status, "missing_on_chain")
})
