/**
 * The way out of a chain reset, on real PostgreSQL and the local devnet with the real Bubblegum
 * programs, the operator's command run as operators run it (`pnpm tree lost`, a process of its
 * own against the same database and RPC). Tickets are minted, the devnet restarts empty (keeping
 * its genesis hash, or with a new one), the worker replaces its tree, and the reconciler stops at
 * chain_reset; the dry run changes nothing, a tree the chain holds is refused, --apply declares
 * the old tree lost; the next passes judge again (the lost tree's mints missing, the mass repair
 * withheld until accepted), and the operator's retries mint each ticket once, on the new chain.
 */
import { fileURLToPath } from "node:url"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import {
  ChainGateway,
  FindingRepository,
  MintRepository,
  MintWorker,
  ReplicaRepository,
  requestMint,
  TreeRegistry,
  TreeRotation
} from "@tickettoken/minting-core"
import { Script } from "@tickettoken/minting-service-kit"
import { startLocalnet } from "@tickettoken/solana-localnet"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { runPass } from "../src/Pass.ts"
import { ChainDriver, type LocalnetBox, onLocalnet, programsMissing } from "./Chains.ts"
import { noTicketTwice } from "./ReplicaScenarios.ts"
import { pass, reconciled, request, roomyTree, stack } from "./Scenarios.ts"
import { createDatabase, type TestDatabase } from "./TestDatabase.ts"

const missing = programsMissing()
if (missing !== undefined) console.log(`chain reset recovery cases skipped: ${missing}`)

const cliOf = (name: "tree" | "mints") =>
  fileURLToPath(new URL(`../../http/src/cli/${name}.ts`, import.meta.url))

let database: TestDatabase
const box = {} as LocalnetBox

/** An operator command (`pnpm tree lost ...`, `pnpm mints retry ...`) against the test's database and the devnet running now. */
const command = (name: "tree" | "mints", ...args: ReadonlyArray<string>) =>
  Effect.promise(() =>
    Script.run(cliOf(name), args, {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: database.urlText,
        SOLANA_RPC_URL: box.current.rpcUrl
      }
    })
  )

const treeLost = (...args: ReadonlyArray<string>) => command("tree", "lost", ...args)

const lastJson = (ran: Script.Finished) =>
  Script.lastJson<{
    applied: boolean
    lost: Array<string>
    genesis: { from: string; to: string } | null
    resolved: Array<string>
  }>(ran)

const tickets = Array.from({ length: 12 }, (_, i) => `reset-${i}`)

const statuses = Effect.gen(function* () {
  const mints = yield* MintRepository
  return yield* Effect.forEach(tickets, (t) =>
    Effect.map(mints.findByTicket(t), (m) => Option.getOrThrow(m).status)
  )
})

/** The worker's rounds until every ticket completed (or a bounded number of rounds). */
const mintAll = Effect.gen(function* () {
  for (let round = 0; round < 20; round++) {
    if ((yield* statuses).every((s) => s === "completed")) return
    yield* MintWorker.runRound({ batchSize: tickets.length, concurrency: 4 })
  }
  assert.deepStrictEqual(
    yield* statuses,
    tickets.map(() => "completed")
  )
})

const openChainResets = Effect.flatMap(FindingRepository, (f) =>
  Effect.map(f.list({ state: "open", reason: "chain_reset", limit: 100 }), (page) => page.items)
)

const recovery = (variant: "same genesis" | "new genesis") =>
  Effect.gen(function* () {
    const driver = yield* ChainDriver
    const chain = yield* ChainGateway
    const registry = yield* TreeRegistry
    const sql = yield* SqlClient.SqlClient

    for (const t of tickets) yield* requestMint(request(t))
    yield* mintAll
    const old = Option.getOrThrow(yield* registry.active).address
    assert.deepStrictEqual((yield* pass()).findings, [], "agreed before the reset")
    const genesis = (yield* chain.info).genesisHash

    yield* driver.restart(variant === "same genesis" ? genesis : undefined)
    const genesisNow = (yield* chain.info).genesisHash
    assert.strictEqual(genesisNow === genesis, variant === "same genesis")
    // The worker (at its start, or at its next mint) finds its tree gone: retired, and a new one.
    const fresh = (yield* TreeRotation.verifyActiveTree()).address
    assert.notStrictEqual(fresh, old)
    assert.strictEqual(Option.getOrThrow(yield* registry.genesis), genesis, "the worker keeps the record")

    const stuck = yield* pass()
    assert.isAbove(stuck.counts.byReason.chain_reset, 0)
    assert.strictEqual(stuck.counts.byReason.mint_missing, 0, "nothing judged")
    assert.isNotEmpty(stuck.alerts ?? [])
    assert.deepStrictEqual(
      yield* statuses,
      tickets.map(() => "completed"),
      "no repair"
    )
    const opened = yield* openChainResets
    assert.strictEqual(opened.length, stuck.counts.byReason.chain_reset)

    // The dry run lists the old tree and changes nothing.
    const dry = yield* treeLost()
    assert.strictEqual(dry.code, 0, dry.stderr)
    assert.include(dry.stdout, `would declare lost: ${old} (was full): no account at its address`)
    assert.deepStrictEqual(lastJson(dry).lost, [old])
    assert.isFalse(lastJson(dry).applied)
    assert.include(dry.stdout, "dry run: nothing changed")
    assert.strictEqual(Option.getOrThrow(yield* registry.get(old)).status, "full")
    assert.strictEqual((yield* openChainResets).length, opened.length)
    assert.strictEqual(Option.getOrThrow(yield* registry.genesis), genesis)

    // A tree the chain holds is refused, in one line, exit 2; nothing changes.
    const refused = yield* treeLost(fresh, "--apply")
    assert.strictEqual(refused.code, 2)
    assert.strictEqual(refused.stderr.trim().split("\n").length, 1)
    assert.include(refused.stderr, `refusing to declare lost: ${fresh} (the chain still holds it`)
    assert.strictEqual(Option.getOrThrow(yield* registry.get(fresh)).status, "active")

    const applied = yield* treeLost("--apply", "--by", "alice")
    assert.strictEqual(applied.code, 0, applied.stderr)
    const result = lastJson(applied)
    assert.isTrue(result.applied)
    assert.deepStrictEqual(result.lost, [old])
    assert.deepStrictEqual(
      result.genesis,
      variant === "new genesis" ? { from: genesis, to: genesisNow } : null
    )
    assert.strictEqual(Option.getOrThrow(yield* registry.get(old)).status, "lost")
    assert.strictEqual(Option.getOrThrow(yield* registry.genesis), genesisNow)
    assert.isNull((yield* (yield* ReplicaRepository).state(old)).seq, "its replica dropped")
    const history = yield* sql<{ genesis_hash: string }>`SELECT genesis_hash FROM chain_identity_history`
    assert.deepStrictEqual(
      history.map((r) => r.genesis_hash),
      variant === "new genesis" ? [genesis] : [],
      "the replaced genesis kept as evidence"
    )
    assert.deepStrictEqual(yield* openChainResets, [])
    assert.sameMembers(
      result.resolved,
      opened.map((f) => f.id)
    )

    // The next pass judges again: the lost tree's mints are missing, too many to repair unasked.
    const judged = yield* pass()
    assert.strictEqual(judged.counts.byReason.chain_reset, 0)
    const missingFindings = judged.findings.filter((f) => f.reasonCode === "mint_missing")
    assert.sameMembers(
      missingFindings.map((f) => f.ticketId),
      tickets
    )
    for (const f of missingFindings) {
      assert.strictEqual(f.action, "mark_missing")
      assert.include(f.details, `tree ${old}, which an operator declared lost`)
    }
    assert.isTrue((judged.alerts ?? []).some((a) => a.includes("mass repair withheld")))
    assert.deepStrictEqual(
      yield* statuses,
      tickets.map(() => "completed")
    )
    reconciled(
      yield* runPass({
        lockName: "reconciler",
        batchSize: 100,
        repair: true,
        minGapMs: 0,
        acceptMassRepair: true
      })
    )
    assert.deepStrictEqual(
      yield* statuses,
      tickets.map(() => "missing_on_chain")
    )
    const resolved = yield* (yield* FindingRepository).list({
      state: "resolved",
      reason: "chain_reset",
      limit: 100
    })
    assert.strictEqual(resolved.items.length, opened.length)
    for (const f of resolved.items) assert.strictEqual(f.resolvedBy, "operator:alice")

    // The operator retries them all at once (each retry asks the chain first): a dry run changes
    // nothing; --apply makes each pending, and each is minted once, on the new chain.
    const dryRetry = yield* command("mints", "retry", "--status", "missing_on_chain")
    assert.strictEqual(dryRetry.code, 0, dryRetry.stderr)
    assert.deepStrictEqual(
      [...Script.lastJson<{ ticketIds: Array<string> }>(dryRetry).ticketIds].sort(),
      [...tickets].sort()
    )
    assert.deepStrictEqual(
      yield* statuses,
      tickets.map(() => "missing_on_chain")
    )
    const retried = yield* command("mints", "retry", "--status", "missing_on_chain", "--apply")
    assert.strictEqual(retried.code, 0, retried.stderr)
    const summary = Script.lastJson<{ retried: Array<string>; refused: Array<unknown> }>(retried)
    assert.deepStrictEqual([...summary.retried].sort(), [...tickets].sort())
    assert.deepStrictEqual(summary.refused, [])
    assert.deepStrictEqual(
      yield* statuses,
      tickets.map(() => "pending")
    )
    yield* mintAll
    // A ticket minted meanwhile is refused by name, not minted again.
    const again = yield* command("mints", "retry", tickets[0]!, "--apply")
    assert.strictEqual(again.code, 0, again.stderr)
    assert.strictEqual(
      Script.lastJson<{ refused: Array<{ reason: string }> }>(again).refused[0]!.reason,
      "RetryNotAllowed"
    )
    const mints = yield* MintRepository
    for (const t of tickets) {
      assert.strictEqual(Option.getOrThrow(yield* mints.findByTicket(t)).asset?.tree, fresh)
    }
    const after = yield* pass()
    assert.strictEqual(after.counts.byReason.mint_missing, 0)
    assert.strictEqual(after.counts.byReason.double_mint, 0)
    assert.strictEqual(after.counts.byReason.chain_reset, 0)
    assert.isAtLeast(after.counts.byReason.success, tickets.length)
    yield* noTicketTwice
    assert.strictEqual(yield* (yield* ReplicaRepository).countLeaves(), tickets.length)
  })

describe.skipIf(missing !== undefined)(
  "recovery from a chain reset on PostgreSQL and the local devnet",
  () => {
    beforeAll(async () => {
      database = await createDatabase()
      box.current = await startLocalnet({ port: 0, slotIntervalMs: 20 })
    })
    afterAll(async () => {
      await box.current?.close()
      await database?.drop()
    })
    const on = (variant: "same genesis" | "new genesis") =>
      Effect.suspend(() =>
        Effect.asVoid(
          recovery(variant).pipe(Effect.provide(stack(database, onLocalnet(box.current, box), roomyTree)))
        )
      )

    it.live(
      "restarted empty with the same genesis: the operator declares the tree lost, minting and judging go on",
      () => on("same genesis"),
      120_000
    )
    it.live(
      "restarted as a new cluster: the genesis on record moves with the recovery, the old one kept",
      () => on("new genesis"),
      120_000
    )
  }
)
