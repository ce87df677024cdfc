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
import { Context, DateTime, Duration, Effect, Option, Semaphore } from "effect"
import { ChainError, type ChainErrorReason, TreeFull } from "../ChainError.ts"
import { type Mint, MintFailure, SignedTransaction } from "../Mint.ts"
import * as MintMetrics from "../MintMetrics.ts"
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

/**
 * How one mint's turn with the worker ended. `deferred`: handed back unsigned, with no attempt
 * counted, because the chain could not take it (see `deferring`).
 */
export type StepOutcome = "completed" | "requeued" | "failed" | "abandoned" | "deferred"

/**
 * Chain failures that are not the mint's: the endpoint busy (429), slow or away, the fee payer
 * empty, the tree full. Met before anything is signed they defer the mint, with no attempt
 * counted, and hold the worker back (`RoundResult.deferral`). Counted as attempts, a 10-second
 * outage or an empty fee payer would fail every mint in the queue within seconds.
 */
const deferring: ReadonlySet<ChainErrorReason["_tag"]> = new Set([
  "RateLimited",
  "Timeout",
  "RpcUnavailable",
  "InsufficientFunds",
  "TreeFull"
])

/** What one round learned about the chain, shared by its mints. */
interface RoundState {
  /** Rounds in a row before this one that deferred: the backoff's exponent. */
  readonly streak: number
  /** The round's first deferring failure, and until when it holds the chain off. */
  deferredBy:
    | { readonly error: ChainError; readonly retryAt: DateTime.Utc; readonly delayMs: number }
    | undefined
}

const freshRound = (): RoundState => ({ streak: 0, deferredBy: undefined })

const retryAt = Effect.fnUntraced(function* (mint: Mint) {
  const settings = yield* MintingSettings
  return yield* Retry.nextAttemptAt(settings.retryPolicy, mint.attempts + 1)
})

const outcomeOf = (mint: Mint): StepOutcome =>
  mint.status === "completed" ? "completed" : mint.status === "failed" ? "failed" : "requeued"

/**
 * A tree out of room is the tree's failure, not the mint's: it is retired (once, with an alert),
 * the next attempt signs into a fresh one.
 */
const retireFullTree = (tree: string, mint: Mint) =>
  // One at a time in this process, so concurrent mints that met the same full tree alert once.
  retiring.withPermits(1)(
    Effect.gen(function* () {
      const registry = yield* TreeRegistry
      const known = yield* registry.get(tree)
      if (Option.isSome(known) && known.value.status === "full") return
      yield* registry.markFull(tree)
      yield* MintMetrics.recordAlert("tree_full")
      // Rotation normally starts well before a tree fills: a full one means the count was off.
      yield* Effect.logError("tree full; rotating to a new tree", {
        alert: "tree_full",
        tree,
        mintId: mint.id
      })
    })
  )
const retiring = Semaphore.makeUnsafe(1)

/**
 * A landed error that says the tree had no leaf left: Bubblegum's InsufficientMintCapacity
 * (custom error 6017, as a status reports it: `{"InstructionError":[i,{"Custom":6017}]}`), or
 * its name or "tree full" in a message.
 */
export const isTreeFullError = (err: string): boolean =>
  /tree (is )?full|InsufficientMintCapacity|"Custom":\s*6017\b/i.test(err)

/**
 * Hands the mint back unsigned, to be tried again once the chain is likely to take it: at once
 * for a full tree (retired here; the next attempt signs into a new one), otherwise after the
 * round's backoff, which also holds back the rest of the round.
 */
const defer = Effect.fnUntraced(function* (
  mint: Mint,
  error: ChainError,
  round: RoundState,
  tree: string | null
) {
  if (error.reason._tag === "TreeFull") {
    if (tree !== null) yield* retireFullTree(tree, mint)
    yield* Lifecycle.defer(mint, error, yield* DateTime.now)
    return "deferred" as const
  }
  if (round.deferredBy === undefined) {
    const settings = yield* MintingSettings
    const delayMs = yield* Retry.jittered(
      Retry.deferralDelayMs(error.reason, round.streak + 1),
      settings.retryPolicy.jitter
    )
    round.deferredBy = {
      error,
      delayMs,
      retryAt: DateTime.add(yield* DateTime.now, { milliseconds: delayMs })
    }
  }
  yield* Lifecycle.defer(mint, error, round.deferredBy.retryAt)
  return "deferred" as const
})

const failBeforeSigning = Effect.fnUntraced(function* (mint: Mint, error: ChainError) {
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

/**
 * Signs a new transaction and stores it. Returns the mint as stored, in flight, or as the
 * failure or deferral left it.
 */
const sign = Effect.fnUntraced(function* (mint: Mint, round: RoundState) {
  // The chain turned this round away already: the rest of it waits without trying.
  const held = round.deferredBy
  if (held !== undefined) return yield* defer(mint, held.error, round, null)
  const chain = yield* ChainGateway
  const collections = yield* CollectionRepository
  const active = yield* activeTree().pipe(
    Effect.catchIf(
      (e): e is ChainError => e instanceof ChainError && deferring.has(e.reason._tag),
      (e) => defer(mint, e, round, null)
    )
  )
  if (active === "deferred") return active
  const tree = active
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
  if (prepared._tag === "Failure") {
    const error = prepared.failure
    return deferring.has(error.reason._tag)
      ? yield* defer(mint, error, round, tree.address)
      : yield* failBeforeSigning(mint, error)
  }
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
  // Reads the endpoint did not answer in a row: polls slow down (with jitter) while it struggles.
  let unanswered = 0

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
    unanswered = Option.isSome(observed) ? 0 : unanswered + 1
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
      if (isTreeFullError(landed.err)) {
        // Signed while the tree had room, landed after it filled: the tree's failure, not the mint's.
        yield* retireFullTree(tx.tree, mint)
        const full = new ChainError({ reason: new TreeFull({ tree: tx.tree }) })
        yield* Lifecycle.defer(mint, full, yield* DateTime.now, tx.signature)
        return "deferred" as const
      }
      const failure = new MintFailure({ code: "transaction_failed", message: landed.err, retryable: true })
      return yield* Lifecycle.fail(mint, failure, yield* retryAt(mint), tx.signature)
    }

    if (Option.isSome(status)) {
      // Absent. Expired only if the chain's height is past the signature's last valid block.
      const height = yield* chain.blockHeight.pipe(Effect.option)
      if (Option.isNone(height)) unanswered++
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
    const pollMs =
      unanswered === 0
        ? settings.confirmPollMs
        : yield* Retry.jittered(
            Math.min(MAX_POLL_BACKOFF_MS, settings.confirmPollMs * 2 ** unanswered),
            settings.retryPolicy.jitter
          )
    yield* Effect.sleep(Duration.millis(pollMs))
  }
})

/** The longest a status poll waits while the endpoint keeps failing; the lease outlasts it. */
const MAX_POLL_BACKOFF_MS = 5_000

/**
 * One claimed mint, to the end of its turn. Interrupted (shutdown), it hands the mint back;
 * any other error abandons it to the lease.
 */
export const processMint = (claimed: Mint) => turn(claimed, freshRound())

const turn = Effect.fn("MintWorker.processMint")(
  function* (claimed: Mint, round: RoundState) {
    const inFlight = claimed.transaction === null ? yield* sign(claimed, round) : claimed
    if (inFlight === "deferred") return inFlight
    if (inFlight.status !== "minting") return outcomeOf(inFlight)
    const final = yield* await_(inFlight)
    return final === "deferred" ? final : outcomeOf(final)
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
  /**
   * Set when the chain turned mints of this round away (see `deferring`): the worker should
   * claim nothing for `delayMs`, then pass `streak + 1` to the next round.
   */
  readonly deferral: { readonly code: string; readonly delayMs: number } | null
}

export interface RoundOptions {
  readonly batchSize: number
  readonly concurrency: number
  readonly inFlightOnly?: boolean
  /**
   * Rounds in a row that ended deferred (0 when the chain is fine). While it is above 0 a round
   * claims a single mint, a probe, rather than sending a whole batch at a struggling chain.
   */
  readonly streak?: number
}

/** Claims a batch and works it through with bounded concurrency. */
export const runRound = Effect.fn("MintWorker.runRound")(function* (options: RoundOptions) {
  const settings = yield* MintingSettings
  const mints = yield* MintRepository
  const now = yield* DateTime.now
  const streak = options.streak ?? 0
  const claimed = yield* mints.claim({
    owner: settings.workerId,
    now,
    leaseExpiresAt: DateTime.add(now, { milliseconds: settings.leaseMs }),
    limit: streak > 0 ? 1 : options.batchSize,
    inFlightOnly: options.inFlightOnly
  })
  const outcomes: Record<StepOutcome, number> = {
    completed: 0,
    requeued: 0,
    failed: 0,
    abandoned: 0,
    deferred: 0
  }
  const round: RoundState = { streak, deferredBy: undefined }
  yield* Effect.forEach(claimed, (mint) => Effect.map(turn(mint, round), (o) => void outcomes[o]++), {
    concurrency: options.concurrency
  })
  const held = round.deferredBy
  if (held !== undefined) yield* announceDeferral(held.error, held.delayMs, outcomes.deferred)
  return {
    claimed: claimed.length,
    outcomes,
    deferral: held === undefined ? null : { code: held.error.code, delayMs: held.delayMs }
  } satisfies RoundResult
})

/** Once per round: an empty fee payer is an alert; a busy or absent endpoint a warning. */
const announceDeferral = Effect.fnUntraced(function* (error: ChainError, delayMs: number, deferred: number) {
  const reason = error.reason
  if (reason._tag === "InsufficientFunds") {
    yield* MintMetrics.recordAlert("fee_payer_insufficient_funds")
    yield* Effect.logError("fee payer cannot pay: minting held back until it is funded", {
      alert: "fee_payer_insufficient_funds",
      account: reason.account,
      detail: reason.message,
      deferred,
      retryInMs: delayMs
    })
    return
  }
  yield* Effect.logWarning("chain unavailable: mints deferred, worker backing off", {
    code: error.code,
    detail: error.message,
    deferred,
    retryInMs: delayMs
  })
})

/** RecoverInFlight: mints whose lease lapsed mid-flight, resolved from their stored signature. */
export const recoverInFlight = (options: { readonly batchSize: number; readonly concurrency: number }) =>
  runRound({ ...options, inFlightOnly: true }).pipe(Effect.withSpan("RecoverInFlight"))

/** The pause after a round, and the streak the next round starts from. */
export const afterRound = (
  round: Pick<RoundResult, "claimed" | "deferral">,
  streak: number,
  idleMs: number
): { readonly pauseMs: number; readonly streak: number } =>
  round.deferral !== null
    ? { pauseMs: round.deferral.delayMs, streak: streak + 1 }
    : round.claimed === 0
      ? // Nothing was tried, so nothing was learned about the chain: the streak stands.
        { pauseMs: idleMs, streak }
      : { pauseMs: 0, streak: 0 }

/**
 * The worker loop: rounds back to back while there is work, a pause when there is none, and
 * a growing one (with jitter) while the chain turns mints away.
 */
export const run = (options: {
  readonly batchSize: number
  readonly concurrency: number
  readonly idleMs: number
}) =>
  Effect.gen(function* () {
    let streak = 0
    while (true) {
      const round = yield* runRound({ ...options, streak }).pipe(
        Effect.catch((error) =>
          Effect.as(Effect.logWarning("worker round failed", { error: String(error) }), {
            claimed: 0,
            deferral: null
          })
        )
      )
      const next = afterRound(round, streak, options.idleMs)
      streak = next.streak
      if (next.pauseMs > 0) yield* Effect.sleep(Duration.millis(next.pauseMs))
    }
  })
