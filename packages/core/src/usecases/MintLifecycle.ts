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

const event = Effect.fnUntraced(function* (topic: OutboxTopic, mint: Mint, payload: Record<string, unknown>) {
  const outbox = yield* Outbox
  yield* outbox.append(
    new OutboxEvent({
      id: yield* Ids.uuid,
      topic,
      key: mint.id,
      payload: { mintId: mint.id, ticketId: mint.ticketId, ...payload },
      createdAt: yield* DateTime.now,
      sentAt: null
    })
  )
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
      yield* mints.recordAttempt(
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
      )
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
        yield* event("mint.completed", saved, {
          assetId: asset.assetId,
          tree: asset.tree,
          leafIndex: asset.leafIndex,
          signature: asset.signature,
          owner: asset.owner
        })
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
