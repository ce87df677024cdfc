/**
 * The writes that move a mint, shared by the worker, recovery, the reconciler and operators:
 * each applies one transition and persists it under the version it was read at, together
 * with whatever must change with it in the same transaction.
 */
import { DateTime, Effect, Result } from "effect"
import type { ChainError } from "../ChainError.ts"
import * as Ids from "../Ids.ts"
import { Attempt, type Mint, type MintedAsset, MintFailure, type SignedTransaction } from "../Mint.ts"
import type { MintEvent } from "../MintEvent.ts"
import * as MintMetrics from "../MintMetrics.ts"
import { transition } from "../MintTransitions.ts"
import { OutboxEvent, type OutboxTopic } from "../OutboxEvent.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { Outbox } from "../ports/Outbox.ts"
import { TicketLedger } from "../ports/TicketLedger.ts"
import { Transactor } from "../ports/Transactor.ts"
import { TreeRegistry } from "../ports/TreeRegistry.ts"

/** Applies an event and saves the result; an illegal transition is a bug in the caller, so it dies. */
export const apply = Effect.fnUntraced(function* (mint: Mint, event: MintEvent) {
  const now = yield* DateTime.now
  const next = transition(mint, event, now)
  if (Result.isFailure(next)) return yield* Effect.die(next.failure)
  if (next.success === mint) return mint
  const mints = yield* MintRepository
  return yield* mints.save(next.success, mint.version)
})

const eventOf = Effect.fnUntraced(function* (
  topic: OutboxTopic,
  mint: Mint,
  payload: Record<string, unknown>
) {
  return new OutboxEvent({
    id: yield* Ids.uuid,
    topic,
    key: mint.id,
    payload: { mintId: mint.id, ticketId: mint.ticketId, ...payload },
    createdAt: yield* DateTime.now,
    sentAt: null
  })
})

const event = Effect.fnUntraced(function* (topic: OutboxTopic, mint: Mint, payload: Record<string, unknown>) {
  const outbox = yield* Outbox
  yield* outbox.append(yield* eventOf(topic, mint, payload))
})

const completedPayload = (asset: MintedAsset) => ({
  assetId: asset.assetId,
  tree: asset.tree,
  leafIndex: asset.leafIndex,
  signature: asset.signature,
  owner: asset.owner
})

/** The transition or, for an illegal one (a bug in the caller), a defect. */
const next = (mint: Mint, event: MintEvent, now: DateTime.Utc) => {
  const result = transition(mint, event, now)
  return Result.isFailure(result) ? Effect.die(result.failure) : Effect.succeed(result.success)
}

const attemptOf = (mint: Mint, transaction: SignedTransaction) =>
  new Attempt({
    mintId: mint.id,
    signature: transaction.signature,
    attempt: mint.attempts + 1,
    lastValidBlockHeight: transaction.lastValidBlockHeight,
    wire: transaction.wire,
    tree: transaction.tree,
    outcome: "sent",
    createdAt: transaction.signedAt,
    settledAt: null
  })

/** Persists the signed transaction and its attempt record: this happens before any send. */
export const recordSigned = Effect.fn("MintLifecycle.recordSigned")(function* (
  mint: Mint,
  transaction: SignedTransaction
) {
  const transactor = yield* Transactor
  const mints = yield* MintRepository
  return yield* transactor.withTransaction(
    Effect.gen(function* () {
      const saved = yield* apply(mint, { _tag: "Signed", transaction })
      yield* mints.recordAttempt(attemptOf(mint, transaction))
      return saved
    })
  )
})

/**
 * recordSigned for mints signed together, in one transaction of two statements, not two each.
 * All or nothing: a mint another worker took over fails the whole batch (saveMany's fencing),
 * and the caller records each on its own.
 */
export const recordSignedAll = Effect.fn("MintLifecycle.recordSignedAll")(function* (
  signed: ReadonlyArray<{ readonly mint: Mint; readonly transaction: SignedTransaction }>
) {
  const transactor = yield* Transactor
  const mints = yield* MintRepository
  const now = yield* DateTime.now
  const writes = yield* Effect.forEach(signed, ({ mint, transaction }) =>
    Effect.map(next(mint, { _tag: "Signed", transaction }, now), (to) => ({
      mint: to,
      expectedVersion: mint.version
    }))
  )
  return yield* transactor.withTransaction(
    Effect.gen(function* () {
      const saved = yield* mints.saveMany(writes)
      yield* mints.recordAttempts(signed.map(({ mint, transaction }) => attemptOf(mint, transaction)))
      return saved
    })
  )
})

/**
 * Completes a mint the chain proved: the mint, its attempt, the tree's count, the platform's
 * ticket row and the `mint.completed` event, all in one transaction.
 */
export const complete = Effect.fn("MintLifecycle.complete")(function* (mint: Mint, asset: MintedAsset) {
  const transactor = yield* Transactor
  const mints = yield* MintRepository
  const trees = yield* TreeRegistry
  const ledger = yield* TicketLedger
  return yield* transactor
    .withTransaction(
      Effect.gen(function* () {
        const saved = yield* apply(mint, { _tag: "Confirmed", asset })
        if (saved === mint) return mint
        const now = yield* DateTime.now
        yield* mints.settleAttempt(asset.signature, "landed", now)
        yield* trees.recordMinted(asset.tree)
        yield* ledger.markMinted(mint.ticketId, asset.assetId, now)
        yield* event("mint.completed", saved, completedPayload(asset))
        return saved
      })
    )
    .pipe(
      Effect.tap((saved) =>
        saved.status === "completed" && mint.status !== "completed"
          ? MintMetrics.recordCompleted(saved)
          : Effect.void
      )
    )
})

/**
 * `complete` for mints that landed together: the same writes in one transaction, each kind one
 * statement for the whole batch (the tree counts one per tree), not six round trips a mint.
 * All or nothing: a mint another worker took over fails the whole batch (saveMany's fencing),
 * and the caller completes each on its own. A mint already completed with this asset is
 * returned as it is, as `complete` does.
 */
export const completeAll = Effect.fn("MintLifecycle.completeAll")(function* (
  landed: ReadonlyArray<{ readonly mint: Mint; readonly asset: MintedAsset }>
) {
  const transactor = yield* Transactor
  const mints = yield* MintRepository
  const trees = yield* TreeRegistry
  const ledger = yield* TicketLedger
  const outbox = yield* Outbox
  const now = yield* DateTime.now
  const moved = yield* Effect.forEach(landed, ({ mint, asset }) =>
    Effect.map(next(mint, { _tag: "Confirmed", asset }, now), (to) => ({ mint, asset, to }))
  )
  const changed = moved.filter((m) => m.to !== m.mint)
  if (changed.length === 0) return landed.map((l) => l.mint)
  const saved = yield* transactor.withTransaction(
    Effect.gen(function* () {
      const saved = yield* mints.saveMany(
        changed.map((m) => ({ mint: m.to, expectedVersion: m.mint.version }))
      )
      yield* mints.settleAttempts(
        changed.map((m) => m.asset.signature),
        "landed",
        now
      )
      const perTree = new Map<string, number>()
      for (const { asset } of changed) perTree.set(asset.tree, (perTree.get(asset.tree) ?? 0) + 1)
      for (const [tree, count] of perTree) yield* trees.recordMinted(tree, count)
      for (const { mint, asset } of changed) yield* ledger.markMinted(mint.ticketId, asset.assetId, now)
      yield* outbox.appendAll(
        yield* Effect.forEach(saved, (mint, i) =>
          eventOf("mint.completed", mint, completedPayload(changed[i]!.asset))
        )
      )
      return saved
    })
  )
  yield* Effect.forEach(saved, MintMetrics.recordCompleted, { discard: true })
  const byId = new Map(saved.map((mint) => [mint.id, mint]))
  return landed.map((l) => byId.get(l.mint.id) ?? l.mint)
})

/** The live signature expired unseen: requeue with backoff, no attempt counted (MintTransitions says why). */
export const expire = Effect.fn("MintLifecycle.expire")(function* (
  mint: Mint,
  signature: string,
  retryAt: DateTime.Utc
) {
  const transactor = yield* Transactor
  const mints = yield* MintRepository
  return yield* transactor.withTransaction(
    Effect.gen(function* () {
      const saved = yield* apply(mint, { _tag: "ExpiredUnseen", signature, retryAt })
      yield* mints.settleAttempt(signature, "expired", yield* DateTime.now)
      yield* afterFailure(saved)
      return saved
    })
  )
})

/**
 * The cause is not the mint's: back to the queue at `retryAt`, no attempt counted.
 * `settledSignature` is the live signature, when it is known to be final.
 */
export const defer = Effect.fn("MintLifecycle.defer")(function* (
  mint: Mint,
  error: ChainError,
  retryAt: DateTime.Utc,
  settledSignature: string | null = null
) {
  const owner = mint.lease?.owner
  if (owner === undefined) return yield* Effect.die(new Error(`mint ${mint.id} is deferred without a lease`))
  const transactor = yield* Transactor
  const mints = yield* MintRepository
  const saved = yield* transactor.withTransaction(
    Effect.gen(function* () {
      const saved = yield* apply(mint, {
        _tag: "Deferred",
        owner,
        failure: failureOf(error, true),
        retryAt,
        settledSignature
      })
      if (settledSignature !== null)
        yield* mints.settleAttempt(settledSignature, "failed", yield* DateTime.now)
      return saved
    })
  )
  yield* MintMetrics.recordOutcome("deferred", error.code)
  return saved
})

export const failureOf = (error: ChainError, retryable = error.retryable): MintFailure =>
  new MintFailure({ code: error.code, message: error.message, retryable })

/** Fails the attempt; `settledSignature` is the live signature that is known to be final, if any. */
export const fail = Effect.fn("MintLifecycle.fail")(function* (
  mint: Mint,
  failure: MintFailure,
  retryAt: DateTime.Utc | null,
  settledSignature: string | null
) {
  const transactor = yield* Transactor
  const mints = yield* MintRepository
  return yield* transactor.withTransaction(
    Effect.gen(function* () {
      const saved = yield* apply(mint, { _tag: "Failed", failure, retryAt, settledSignature })
      if (settledSignature !== null)
        yield* mints.settleAttempt(settledSignature, "failed", yield* DateTime.now)
      yield* afterFailure(saved)
      return saved
    })
  )
})

/** A mint that failed for good gives its collection place back and says so. */
const afterFailure = Effect.fnUntraced(function* (mint: Mint) {
  yield* MintMetrics.recordOutcome(
    mint.status === "failed" ? "failed" : "requeued",
    mint.failure?.code ?? "unknown"
  )
  if (mint.status !== "failed") return
  const collections = yield* CollectionRepository
  if (mint.request.collectionId !== undefined) yield* collections.release(mint.request.collectionId)
  yield* event("mint.failed", mint, {
    code: mint.failure?.code ?? null,
    message: mint.failure?.message ?? null
  })
})

export const markMissing = Effect.fn("MintLifecycle.markMissing")(function* (mint: Mint, reason: string) {
  const transactor = yield* Transactor
  return yield* transactor.withTransaction(
    Effect.gen(function* () {
      const saved = yield* apply(mint, { _tag: "MarkedMissing", reason })
      yield* event("mint.missing", saved, { reason })
      return saved
    })
  )
})
