/**
 * The mint worker: claim -> sign -> persist the signature -> send -> await confirmation or
 * expiry -> complete, requeue or fail.
 *
 * Exactly once rests on two rules. A signature is stored before its first send, so whatever
 * crashes, the next holder of the mint knows what might land. And a new signature is issued
 * only once the old one has provably expired unseen (block height past its
 * lastValidBlockHeight, and the chain has no record of it); until then the same bytes are sent
 * again. Any other failure (a crash, a lost lease, the database away) simply abandons the mint:
 * its lease lapses and recovery picks it up where the stored state says it is.
 */
import { Context, DateTime, Duration, Effect, Option } from "effect"
import type { ChainError } from "../ChainError.ts"
import { type Mint, MintFailure, SignedTransaction } from "../Mint.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { TreeRegistry } from "../ports/TreeRegistry.ts"
import * as Retry from "../RetryPolicy.ts"
import * as TicketMetadata from "../TicketMetadata.ts"
import { MintingSettings } from "./MintingSettings.ts"
import * as Lifecycle from "./MintLifecycle.ts"
import { activeTree } from "./TreeRotation.ts"

/** Points between the worker's steps where tests make it crash. */
export type CrashPoint = "signed" | "persisted" | "sent" | "confirmed"

export const WorkerHooks = Context.Reference<{
  readonly reached: (point: CrashPoint, mint: Mint) => Effect.Effect<void>
}>("@tickettoken/minting-core/WorkerHooks", { defaultValue: () => ({ reached: () => Effect.void }) })

const reached = Effect.fnUntraced(function* (point: CrashPoint, mint: Mint) {
  const hooks = yield* WorkerHooks
  yield* hooks.reached(point, mint)
})

/** How one mint's turn with the worker ended. */
export type StepOutcome = "completed" | "requeued" | "failed" | "abandoned"

const retryAt = Effect.fnUntraced(function* (mint: Mint) {
  const settings = yield* MintingSettings
  return yield* Retry.nextAttemptAt(settings.retryPolicy, mint.attempts + 1)
})

const outcomeOf = (mint: Mint): StepOutcome =>
  mint.status === "completed" ? "completed" : mint.status === "failed" ? "failed" : "requeued"

/**
 * A tree out of room is the tree's failure, not the mint's: retire it and try again at once;
 * the next attempt signs into a fresh tree.
 */
const treeFull = Effect.fnUntraced(function* (
  mint: Mint,
  error: ChainError,
  tree: string,
  settled: string | null
) {
  const registry = yield* TreeRegistry
  yield* registry.markFull(tree)
  yield* Effect.logWarning("tree full; rotating", { tree, mintId: mint.id })
  return yield* Lifecycle.fail(mint, Lifecycle.failureOf(error, true), yield* DateTime.now, settled)
})

const failBeforeSigning = Effect.fnUntraced(function* (mint: Mint, error: ChainError, tree: string) {
  if (error.reason._tag === "TreeFull") return yield* treeFull(mint, error, tree, null)
  const level = error.retryable ? Effect.logWarning : Effect.logError
  yield* level("mint attempt failed before signing", {
    mintId: mint.id,
    code: error.code,
    retryable: error.retryable
  })
  return yield* Lifecycle.fail(
    mint,
    Lifecycle.failureOf(error),
    error.retryable ? yield* retryAt(mint) : null,
    null
  )
})

/** Signs a new transaction and stores it. Returns the mint as stored, in flight. */
const sign = Effect.fnUntraced(function* (mint: Mint) {
  const chain = yield* ChainGateway
  const collections = yield* CollectionRepository
  const tree = yield* activeTree()
  const collectionMint =
    mint.request.collectionId === undefined
      ? null
      : Option.match(yield* collections.get(mint.request.collectionId), {
          onNone: () => null,
          onSome: (c) => c.collectionMint
        })
  const metadata = TicketMetadata.onChainMetadata(mint.request, mint.metadataUri, collectionMint)
  const prepared = yield* chain
    .prepareMint({ mintId: mint.id, owner: mint.request.owner, tree: tree.address, metadata })
    .pipe(Effect.result)
  if (prepared._tag === "Failure") return yield* failBeforeSigning(mint, prepared.failure, tree.address)
  const signed = new SignedTransaction({ ...prepared.success, signedAt: yield* DateTime.now })
  yield* reached("signed", mint)
  const stored = yield* Lifecycle.recordSigned(mint, signed)
  yield* reached("persisted", stored)
  return stored
})

/**
 * Sends the stored bytes and waits for them: re-sending every resendInterval, renewing the
 * lease, until the signature lands (complete or fail) or provably expires (requeue).
 */
const await_ = Effect.fnUntraced(function* (start: Mint) {
  const settings = yield* MintingSettings
  const chain = yield* ChainGateway
  const tx = start.transaction!
  let mint = start
  let lastSend = Number.NEGATIVE_INFINITY

  while (true) {
    const nowMs = DateTime.toEpochMillis(yield* DateTime.now)
    if (nowMs - lastSend >= settings.resendIntervalMs) {
      lastSend = nowMs
      // A failed send is not a failed mint: the bytes may still land, or we send them again.
      yield* chain.send(tx.wire).pipe(
        Effect.tapError((e) =>
          Effect.logDebug("send failed; will re-send", { mintId: mint.id, code: e.code })
        ),
        Effect.ignore
      )
      yield* reached("sent", mint)
    }

    const observed = yield* chain.statuses([tx.signature]).pipe(Effect.option)
    const status = Option.flatMap(observed, (all) => Option.fromNullishOr(all[0]))
    if (Option.isSome(status) && status.value.state === "landed") {
      const landed = status.value
      if (landed.err === null) {
        const leaf = yield* chain.mintedLeaf(tx.signature)
        if (Option.isNone(leaf))
          return yield* Effect.die(new Error(`signature ${tx.signature} landed without a leaf`))
        yield* reached("confirmed", mint)
        return yield* Lifecycle.complete(mint, leaf.value)
      }
      yield* Effect.logWarning("mint transaction landed with an error", { mintId: mint.id, err: landed.err })
      const failure = new MintFailure({ code: "transaction_failed", message: landed.err, retryable: true })
      if (/tree full|6012|InsufficientCapacity/i.test(landed.err)) {
        yield* (yield* TreeRegistry).markFull(tx.tree)
      }
      return yield* Lifecycle.fail(mint, failure, yield* retryAt(mint), tx.signature)
    }

    if (Option.isSome(status)) {
      // Absent. Expired only if the chain's height is past the signature's last valid block.
      const height = yield* chain.blockHeight.pipe(Effect.option)
      if (Option.isSome(height) && height.value > tx.lastValidBlockHeight) {
        // Read the status once more after the height: it may have landed in the meantime.
        const again = yield* chain.statuses([tx.signature])
        if (again[0]?.state === "absent") {
          yield* Effect.logInfo("signature expired unseen; requeued", {
            mintId: mint.id,
            signature: tx.signature
          })
          return yield* Lifecycle.expire(mint, tx.signature, yield* retryAt(mint))
        }
        continue
      }
    }

    // Keep the lease while waiting: renew once half of it is gone.
    const now = yield* DateTime.now
    const lease = mint.lease
    if (
      lease !== null &&
      DateTime.toEpochMillis(lease.expiresAt) - DateTime.toEpochMillis(now) < settings.leaseMs / 2
    ) {
      mint = yield* Lifecycle.apply(mint, {
        _tag: "LeaseRenewed",
        owner: lease.owner,
        leaseExpiresAt: DateTime.add(now, { milliseconds: settings.leaseMs })
      })
    }
    yield* Effect.sleep(Duration.millis(settings.confirmPollMs))
  }
})

/**
 * One claimed mint, to the end of its turn. Interrupted (shutdown), it hands the mint back;
 * any other error abandons it to the lease.
 */
export const processMint = Effect.fn("MintWorker.processMint")(
  function* (claimed: Mint) {
    const inFlight = claimed.transaction === null ? yield* sign(claimed) : claimed
    if (inFlight.status !== "minting") return outcomeOf(inFlight)
    const final = yield* await_(inFlight)
    return outcomeOf(final)
  },
  (effect, claimed) =>
    effect.pipe(
      Effect.onInterrupt(() => handBack(claimed)),
      Effect.catch((error) =>
        Effect.as(
          Effect.logWarning("mint abandoned to its lease", { mintId: claimed.id, error: String(error) }),
          "abandoned" as StepOutcome
        )
      )
    )
)

/** On shutdown: give the mint back so another worker can take it at once, signature and all. */
const handBack = (claimed: Mint) =>
  Effect.gen(function* () {
    const mints = yield* MintRepository
    const current = yield* mints.get(claimed.id)
    const owner = claimed.lease?.owner
    if (Option.isNone(current) || owner === undefined) return
    if (current.value.status !== "minting" || current.value.lease?.owner !== owner) return
    yield* Lifecycle.apply(current.value, { _tag: "LeaseReleased", owner })
  }).pipe(Effect.ignore)

export interface RoundResult {
  readonly claimed: number
  readonly outcomes: Readonly<Record<StepOutcome, number>>
}

/** Claims a batch and works it through with bounded concurrency. */
export const runRound = Effect.fn("MintWorker.runRound")(function* (options: {
  readonly batchSize: number
  readonly concurrency: number
  readonly inFlightOnly?: boolean
}) {
  const settings = yield* MintingSettings
  const mints = yield* MintRepository
  const now = yield* DateTime.now
  const claimed = yield* mints.claim({
    owner: settings.workerId,
    now,
    leaseExpiresAt: DateTime.add(now, { milliseconds: settings.leaseMs }),
    limit: options.batchSize,
    inFlightOnly: options.inFlightOnly
  })
  const outcomes: Record<StepOutcome, number> = { completed: 0, requeued: 0, failed: 0, abandoned: 0 }
  yield* Effect.forEach(claimed, (mint) => Effect.map(processMint(mint), (o) => void outcomes[o]++), {
    concurrency: options.concurrency
  })
  return { claimed: claimed.length, outcomes } satisfies RoundResult
})

/** RecoverInFlight: mints whose lease lapsed mid-flight, resolved from their stored signature. */
export const recoverInFlight = (options: { readonly batchSize: number; readonly concurrency: number }) =>
  runRound({ ...options, inFlightOnly: true }).pipe(Effect.withSpan("RecoverInFlight"))

/** The worker loop: rounds back to back while there is work, a pause when there is none. */
export const run = (options: {
  readonly batchSize: number
  readonly concurrency: number
  readonly idleMs: number
}) =>
  Effect.forever(
    Effect.flatMap(
      runRound(options).pipe(
        Effect.catch((error) =>
          Effect.as(Effect.logWarning("worker round failed", { error: String(error) }), { claimed: 0 })
        )
      ),
      (round) => (round.claimed === 0 ? Effect.sleep(Duration.millis(options.idleMs)) : Effect.void)
    )
  )
