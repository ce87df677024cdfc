/**
 * The mint worker's loop around `MintStep.decide`: claim -> sign -> persist the signature ->
 * send -> observe -> act on the decision (complete, wait, re-send, requeue, defer, rotate the
 * tree, fail). What each observation means and every delay are decided purely (MintStep,
 * FailurePolicy); this module only observes and carries actions out.
 *
 * A signature is stored before its first send, so whatever crashes, the next holder of the mint
 * knows what might land. Any failure that is not the chain's answer (a crash, a lost lease, the
 * database away) simply abandons the mint: its lease lapses and recovery picks it up where the
 * stored state says it is.
 *
 * One mint's turn is independent of every other's: the runner (apps/http WorkerLoop) claims new
 * mints while others wait for confirmation. What they share is a ChainGate (the chain turned a
 * mint away: the others wait with it, and the runner probes with one mint at a time) and a
 * ChainReader (status reads batched across mints).
 */
import { Context, DateTime, Deferred, Duration, Effect, Exit, Option, Semaphore } from "effect"
import { ChainError, type ChainErrorReason } from "../ChainError.ts"
import * as FailurePolicy from "../FailurePolicy.ts"
import { type Mint, SignedTransaction } from "../Mint.ts"
import * as MintMetrics from "../MintMetrics.ts"
import * as MintStep from "../MintStep.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { TreeRegistry } from "../ports/TreeRegistry.ts"
import type { SignatureObservation } from "../Reconciliation.ts"
import * as TicketMetadata from "../TicketMetadata.ts"
import * as BatchedWrites from "./BatchedWrites.ts"
import { MintingSettings } from "./MintingSettings.ts"
import * as Lifecycle from "./MintLifecycle.ts"
import { activeTree, replaceMissingTree } from "./TreeRotation.ts"

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
 * How one mint's turn with the worker ended. `deferred`: handed back with no attempt counted,
 * because the chain or its tree could not take it (FailurePolicy's `defer` and `rotate`).
 */
export type StepOutcome = "completed" | "requeued" | "failed" | "abandoned" | "deferred"

/**
 * What the mints of one runner learn together about the chain. Once it turns one away for a
 * reason of its own (FailurePolicy `defer`), the others are deferred to the same instant without
 * asking it, and the runner claims nothing until then and then one mint at a time (a probe)
 * until one gets through.
 */
export interface ChainGate {
  /** Deferrals in a row without a mint getting through: the deferral backoff's exponent. */
  streak: number
  held:
    | {
        readonly error: ChainError
        readonly retryAt: DateTime.Utc
        readonly delayMs: number
        /** Mints deferred on this hold. */
        deferred: number
      }
    | undefined
  /**
   * The last trouble any mint met with the chain (a deferral, a missing tree, a status read
   * that went unanswered) and when: what the progress watchdog reports when nothing completes.
   */
  trouble: { readonly reason: ChainErrorReason["_tag"]; readonly at: DateTime.Utc } | undefined
}

export const makeGate = (streak = 0): ChainGate => ({ streak, held: undefined, trouble: undefined })

const noteTrouble = Effect.fnUntraced(function* (gate: ChainGate, reason: ChainErrorReason["_tag"]) {
  gate.trouble = { reason, at: yield* DateTime.now }
})

/** Whether the gate holds mints back at `now`. */
export const isHeld = (gate: ChainGate, now: DateTime.Utc): boolean =>
  gate.held !== undefined && DateTime.isLessThan(now, gate.held.retryAt)

/** Status reads and the block height, as the worker reads them. */
export interface ChainReader {
  readonly status: (signature: string) => Effect.Effect<SignatureObservation, ChainError>
  readonly blockHeight: Effect.Effect<number, ChainError>
  /**
   * Whether waits end on a shared grid (multiples of the poll interval), so the mints in flight
   * read their statuses in the same window and a batch carries them all.
   */
  readonly aligned?: boolean
}

/** One read per call: for a single mint's turn (tests, recovery). */
export const directReader: Effect.Effect<ChainReader, never, ChainGateway> = Effect.gen(function* () {
  const chain = yield* ChainGateway
  return {
    status: (signature) =>
      Effect.map(
        chain.statuses([signature]),
        (all): SignatureObservation => all[0] ?? { signature, state: "absent" }
      ),
    blockHeight: chain.blockHeight
  }
})

/**
 * Reads shared by all mints in flight: the statuses asked for within `windowMs` go out as one
 * getSignatureStatuses (the adapter splits at 256), and the block height is read at most once
 * per window. Hundreds of mints awaiting confirmation cost a few reads a second, not hundreds.
 */
export const batchedReader = Effect.fnUntraced(function* (windowMs: number) {
  const chain = yield* ChainGateway
  let waiting: Array<{
    readonly signature: string
    readonly done: Deferred.Deferred<SignatureObservation, ChainError>
  }> = []
  const flush = Effect.gen(function* () {
    yield* Effect.sleep(Duration.millis(windowMs))
    const batch = waiting
    waiting = []
    const read = yield* Effect.exit(chain.statuses(batch.map((w) => w.signature)))
    for (const [i, w] of batch.entries()) {
      const observation: SignatureObservation = Exit.isSuccess(read)
        ? (read.value[i] ?? { signature: w.signature, state: "absent" })
        : { signature: w.signature, state: "absent" }
      Deferred.doneUnsafe(
        w.done,
        Exit.isSuccess(read) ? Exit.succeed(observation) : Exit.failCause(read.cause)
      )
    }
  })
  const status = (signature: string) =>
    Effect.gen(function* () {
      const done = Deferred.makeUnsafe<SignatureObservation, ChainError>()
      waiting.push({ signature, done })
      if (waiting.length === 1) yield* Effect.forkDetach(flush)
      return yield* Deferred.await(done)
    })
  const blockHeight = yield* Effect.cachedWithTTL(chain.blockHeight, Duration.millis(windowMs))
  return { status, blockHeight, aligned: true } satisfies ChainReader
})

/** A tree out of room: retired once, with an alert (one at a time here, so concurrent mints alert once). */
const retireFullTree = (tree: string, mint: Mint) =>
  retiring.withPermits(1)(
    Effect.gen(function* () {
      const registry = yield* TreeRegistry
      const known = yield* registry.get(tree)
      if (Option.isSome(known) && (known.value.status === "full" || known.value.status === "lost")) return
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

const rulesOf = Effect.fnUntraced(function* (gate: ChainGate) {
  const settings = yield* MintingSettings
  return {
    policy: settings.retryPolicy,
    confirmPollMs: settings.confirmPollMs,
    leaseMs: settings.leaseMs,
    deferralStreak: gate.streak + 1
  } satisfies MintStep.Rules
})

const after = Effect.fnUntraced(function* (ms: number) {
  const settings = yield* MintingSettings
  const delay = yield* FailurePolicy.jittered(ms, settings.retryPolicy.jitter)
  return DateTime.add(yield* DateTime.now, { milliseconds: delay })
})

/** Once per hold: an empty fee payer is an alert; a busy or absent endpoint a warning. */
const announceHold = Effect.fnUntraced(function* (error: ChainError, delayMs: number) {
  const reason = error.reason
  if (reason._tag === "InsufficientFunds") {
    yield* MintMetrics.recordAlert("fee_payer_insufficient_funds")
    yield* Effect.logError("fee payer cannot pay: minting held back until it is funded", {
      alert: "fee_payer_insufficient_funds",
      account: reason.account,
      detail: reason.message,
      retryInMs: delayMs
    })
    return
  }
  yield* Effect.logWarning("chain unavailable: mints deferred, worker backing off", {
    code: error.code,
    detail: error.message,
    retryInMs: delayMs
  })
})

/** Carries out a Defer: the gate's hold (armed now if it is not) sets the instant. */
const deferOnGate = Effect.fnUntraced(function* (
  mint: Mint,
  reason: ChainErrorReason,
  delayMs: number,
  settledSignature: string | null,
  gate: ChainGate
) {
  const error = new ChainError({ reason })
  yield* noteTrouble(gate, reason._tag)
  if (!isHeld(gate, yield* DateTime.now)) {
    gate.streak++
    const settings = yield* MintingSettings
    const jittered = yield* FailurePolicy.jittered(delayMs, settings.retryPolicy.jitter)
    gate.held = {
      error,
      delayMs: jittered,
      retryAt: DateTime.add(yield* DateTime.now, { milliseconds: jittered }),
      deferred: 0
    }
    yield* announceHold(error, jittered)
  }
  gate.held!.deferred++
  yield* Lifecycle.defer(mint, error, gate.held!.retryAt, settledSignature)
  return "deferred" as const
})

/**
 * Carries out a Rotate: the tree is replaced (a missing one only once the chain confirms it is
 * gone), and the mint goes back at once, no attempt counted. A tree the chain still holds was
 * not the cause: the failure counts as an attempt.
 */
const rotate = Effect.fnUntraced(function* (
  mint: Mint,
  reason: Extract<ChainErrorReason, { readonly _tag: "TreeFull" | "TreeMissing" }>,
  settledSignature: string | null,
  tree: string,
  gate: ChainGate
) {
  yield* noteTrouble(gate, reason._tag)
  if (reason._tag === "TreeFull") yield* retireFullTree(tree, mint)
  else if (!(yield* replaceMissingTree(tree))) {
    const settings = yield* MintingSettings
    return yield* Lifecycle.fail(
      mint,
      Lifecycle.failureOf(new ChainError({ reason }), true),
      yield* FailurePolicy.nextAttemptAt(settings.retryPolicy, mint.attempts + 1),
      settledSignature
    )
  }
  yield* Lifecycle.defer(mint, new ChainError({ reason }), yield* DateTime.now, settledSignature)
  return "deferred" as const
})

/** Carries out a Fail: counted; back to the queue after the backoff, or failed for good. */
const failAttempt = Effect.fnUntraced(function* (
  mint: Mint,
  action: Extract<MintStep.Action, { readonly _tag: "Fail" }>
) {
  const level = action.retryAfterMs === null ? Effect.logError : Effect.logWarning
  yield* level("mint attempt failed", {
    mintId: mint.id,
    code: action.failure.code,
    retryable: action.retryAfterMs !== null,
    detail: action.failure.message
  })
  return yield* Lifecycle.fail(
    mint,
    action.failure,
    action.retryAfterMs === null ? null : yield* after(action.retryAfterMs),
    action.settledSignature
  )
})

/**
 * Signs a new transaction and stores it. Returns the mint as stored (in flight), or as the
 * failure, deferral or rotation left it.
 */
const sign = Effect.fnUntraced(function* (mint: Mint, gate: ChainGate, writes: BatchedWrites.BatchedWrites) {
  // The chain turned a mint away a moment ago: this one waits with it, without asking.
  if (isHeld(gate, yield* DateTime.now)) {
    const held = gate.held!
    held.deferred++
    yield* Lifecycle.defer(mint, held.error, held.retryAt)
    return "deferred" as const
  }
  const chain = yield* ChainGateway
  const collections = yield* CollectionRepository
  // The hold in force when this prepare began: a success proves the chain took mints then, not
  // after a hold another mint armed meanwhile (under load a prepare can take seconds).
  const holdAtStart = gate.held
  const onFailure = (reason: ChainErrorReason, tree: string | null) =>
    Effect.gen(function* () {
      const action = MintStep.decide(
        mint,
        // No tree: the failure was the successor's creation, not this mint's prepare.
        { _tag: tree === null ? "TreeUnavailable" : "PrepareFailed", reason },
        yield* DateTime.now,
        yield* rulesOf(gate)
      )
      switch (action._tag) {
        case "Defer":
          return yield* deferOnGate(mint, action.reason, action.delayMs, null, gate)
        case "Rotate":
          if (tree === null) return yield* deferOnGate(mint, action.reason, 0, null, gate)
          return yield* rotate(mint, action.reason, null, tree, gate)
        case "Fail":
          return yield* failAttempt(mint, action)
        default:
          return yield* Effect.die(new Error(`${action._tag} cannot follow a failed prepare`))
      }
    })
  const active = yield* activeTree().pipe(Effect.result)
  if (active._tag === "Failure") {
    const error = active.failure
    if (error instanceof ChainError) return yield* onFailure(error.reason, null)
    return yield* Effect.fail(error)
  }
  const tree = active.success
  const collectionMint =
    mint.request.collectionId === undefined
      ? null
      : Option.match(yield* collections.get(mint.request.collectionId), {
          onNone: () => null,
          onSome: (c) => c.collectionMint
        })
  const metadata = TicketMetadata.onChainMetadata(mint.request, mint.metadataUri, collectionMint)
  const prepared = yield* chain
    .prepareMint({
      mintId: mint.id,
      owner: mint.request.owner,
      tree: tree.address,
      metadata,
      treeDepth: tree.maxDepth
    })
    .pipe(Effect.result)
  if (prepared._tag === "Failure") return yield* onFailure(prepared.failure.reason, tree.address)
  // The chain took a mint: whatever held the others back is over.
  if (gate.held === holdAtStart) {
    gate.streak = 0
    gate.held = undefined
  }
  const signed = new SignedTransaction({ ...prepared.success, signedAt: yield* DateTime.now })
  yield* reached("signed", mint)
  const stored = yield* writes.recordSigned(mint, signed)
  yield* reached("persisted", stored)
  return stored
})

/** Renews the lease once half of it is gone, so a mint waiting on the chain stays this worker's. */
const keepLease = Effect.fnUntraced(function* (mint: Mint) {
  const settings = yield* MintingSettings
  const now = yield* DateTime.now
  const lease = mint.lease
  if (lease === null) return mint
  if (DateTime.toEpochMillis(lease.expiresAt) - DateTime.toEpochMillis(now) >= settings.leaseMs / 2)
    return mint
  return yield* Lifecycle.apply(mint, {
    _tag: "LeaseRenewed",
    owner: lease.owner,
    leaseExpiresAt: DateTime.add(now, { milliseconds: settings.leaseMs })
  })
})

/**
 * Sends the stored bytes and waits for them: re-sending every resendInterval, renewing the
 * lease, until the signature lands or provably expires, each observation judged by `decide`.
 */
const await_ = Effect.fnUntraced(function* (
  start: Mint,
  gate: ChainGate,
  reader: ChainReader,
  writes: BatchedWrites.BatchedWrites
) {
  const settings = yield* MintingSettings
  const chain = yield* ChainGateway
  const tx = start.transaction!
  let mint = start
  let lastSend = Number.NEGATIVE_INFINITY
  let unanswered = 0
  let recheck = false
  let blockHeight: number | undefined

  while (true) {
    const nowMs = DateTime.toEpochMillis(yield* DateTime.now)
    if (!recheck && nowMs - lastSend >= settings.resendIntervalMs) {
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

    const read = yield* reader.status(tx.signature).pipe(Effect.result)
    const status = read._tag === "Success" ? read.success : undefined
    if (read._tag === "Failure") {
      unanswered++
      yield* noteTrouble(gate, read.failure.reason._tag)
    } else unanswered = 0
    if (status?.state === "absent" && !recheck) {
      const height = yield* reader.blockHeight.pipe(Effect.result)
      blockHeight = height._tag === "Success" ? height.success : undefined
      if (height._tag === "Failure") {
        unanswered++
        yield* noteTrouble(gate, height.failure.reason._tag)
      }
    }
    const action = MintStep.decide(
      mint,
      {
        _tag: "Status",
        status,
        blockHeight: status?.state === "absent" ? blockHeight : undefined,
        recheck,
        unanswered
      },
      yield* DateTime.now,
      yield* rulesOf(gate)
    )
    recheck = false
    switch (action._tag) {
      case "Complete": {
        const read = yield* chain.mintedLeaf(tx.signature).pipe(Effect.result)
        if (read._tag === "Failure") {
          // Landed, but its transaction could not be read now (the endpoint went away between
          // the two reads): the mint is kept, and read again at the next poll.
          unanswered++
          yield* noteTrouble(gate, read.failure.reason._tag)
          mint = yield* keepLease(mint)
          const pause = FailurePolicy.pollBackoffMs(settings.confirmPollMs, unanswered)
          yield* Effect.sleep(
            Duration.millis(yield* FailurePolicy.jittered(pause, settings.retryPolicy.jitter))
          )
          continue
        }
        const leaf = read.success
        if (Option.isNone(leaf))
          return yield* Effect.die(new Error(`signature ${tx.signature} landed without a leaf`))
        yield* reached("confirmed", mint)
        return yield* writes.complete(mint, leaf.value)
      }
      case "Recheck":
        // The height says expired: read the status once more, it may have landed meanwhile.
        recheck = true
        continue
      case "Expire":
        yield* Effect.logInfo("signature expired unseen; requeued", {
          mintId: mint.id,
          signature: tx.signature
        })
        return yield* Lifecycle.expire(mint, tx.signature, yield* after(action.retryAfterMs))
      case "Rotate":
        yield* Effect.logWarning("mint transaction landed with an error", {
          mintId: mint.id,
          code: action.reason._tag
        })
        return yield* rotate(mint, action.reason, action.settledSignature, tx.tree, gate)
      case "Defer":
        yield* Effect.logWarning("mint transaction landed with an error", {
          mintId: mint.id,
          code: action.reason._tag
        })
        return yield* deferOnGate(mint, action.reason, action.delayMs, action.settledSignature, gate)
      case "Fail":
        return yield* failAttempt(mint, action)
      case "Wait": {
        if (action.renewLease) mint = yield* keepLease(mint)
        const ms =
          unanswered > 0
            ? yield* FailurePolicy.jittered(action.ms, settings.retryPolicy.jitter)
            : reader.aligned === true
              ? action.ms - (DateTime.toEpochMillis(yield* DateTime.now) % action.ms)
              : action.ms
        yield* Effect.sleep(Duration.millis(ms))
      }
    }
  }
})

const outcomeOf = (mint: Mint | "deferred"): StepOutcome =>
  mint === "deferred"
    ? "deferred"
    : mint.status === "completed"
      ? "completed"
      : mint.status === "failed"
        ? "failed"
        : "requeued"

export interface TurnOptions {
  readonly gate?: ChainGate | undefined
  readonly reader?: ChainReader | undefined
  /** How the turn's writes are made: one by one (the default) or batched with other mints'. */
  readonly writes?: BatchedWrites.BatchedWrites | undefined
  /** Called once the mint is signed and stored (or needed no signing): the signing stage is over. */
  readonly signed?: Effect.Effect<void> | undefined
}

/**
 * One claimed mint, to the end of its turn. Interrupted (shutdown), it hands the mint back;
 * any other error abandons it to the lease.
 */
export const processMint = Effect.fn("MintWorker.processMint")(
  function* (claimed: Mint, options: TurnOptions = {}) {
    const gate = options.gate ?? makeGate()
    const reader = options.reader ?? (yield* directReader)
    const writes = options.writes ?? BatchedWrites.direct
    const inFlight = claimed.transaction === null ? yield* sign(claimed, gate, writes) : claimed
    if (options.signed !== undefined) yield* options.signed
    if (inFlight === "deferred" || inFlight.status !== "minting") return outcomeOf(inFlight)
    return outcomeOf(yield* await_(inFlight, gate, reader, writes))
  },
  (effect, claimed, _options?: TurnOptions) =>
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

/** Claims up to `limit` due mints (or only those in flight) under this worker's lease. */
export const claim = Effect.fn("MintWorker.claim")(function* (limit: number, inFlightOnly = false) {
  const settings = yield* MintingSettings
  const mints = yield* MintRepository
  const now = yield* DateTime.now
  return yield* mints.claim({
    owner: settings.workerId,
    now,
    leaseExpiresAt: DateTime.add(now, { milliseconds: settings.leaseMs }),
    limit,
    inFlightOnly
  })
})

export interface RoundResult {
  readonly claimed: number
  readonly outcomes: Readonly<Record<StepOutcome, number>>
  /** Set when the chain turned mints of this round away: claim nothing for `delayMs`, then pass `streak + 1`. */
  readonly deferral: { readonly code: string; readonly delayMs: number } | null
}

export interface RoundOptions {
  readonly batchSize: number
  readonly concurrency: number
  readonly inFlightOnly?: boolean
  /** Deferrals in a row so far (0 when the chain is fine); above 0 a round claims a single mint, a probe. */
  readonly streak?: number
}

/**
 * Claims a batch and works it through to the end: the step driven by hand (tests, one-shot
 * recovery). The service's worker is a pipeline (apps/http WorkerLoop) over the same pieces.
 */
export const runRound = Effect.fn("MintWorker.runRound")(function* (options: RoundOptions) {
  const streak = options.streak ?? 0
  const claimed = yield* claim(streak > 0 ? 1 : options.batchSize, options.inFlightOnly ?? false)
  const outcomes: Record<StepOutcome, number> = {
    completed: 0,
    requeued: 0,
    failed: 0,
    abandoned: 0,
    deferred: 0
  }
  const gate = makeGate(streak)
  yield* Effect.forEach(
    claimed,
    (mint) => Effect.map(processMint(mint, { gate }), (o) => void outcomes[o]++),
    {
      concurrency: options.concurrency
    }
  )
  const held = gate.streak > streak ? gate.held : undefined
  return {
    claimed: claimed.length,
    outcomes,
    deferral: held === undefined ? null : { code: held.error.code, delayMs: held.delayMs }
  } satisfies RoundResult
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
