/**
 * Turning instructions into a signed transaction the worker can store before it sends anything:
 * a recent blockhash (shared by prepares within `blockhashReuseMs`), the compute-unit price, a
 * simulation that both sizes the compute-unit limit and refuses what would fail on chain
 * (a full tree, an empty fee payer, a program error) before a signature exists, then signing.
 */
import { setComputeUnitLimit, setComputeUnitPrice } from "@metaplex-foundation/mpl-toolbox"
import { type Transaction, type TransactionBuilder, transactionBuilder } from "@metaplex-foundation/umi"
import { base58 } from "@metaplex-foundation/umi/serializers"
import { BlockhashNotFound, type ChainError } from "@tickettoken/minting-core"
import { Clock, Effect, Request, Schedule } from "effect"
import { batchedCalls } from "./BatchedCalls.ts"
import { chainError, fromTransactionError, type TransactionContext } from "./RpcErrors.ts"
import type { SolanaClientShape } from "./SolanaClient.ts"

/** The most a transaction may ask for. */
export const MAX_COMPUTE_UNITS = 1_400_000
/** How long an "auto" priority fee, read from recent slots, is reused. */
const PRIORITY_FEE_TTL_MS = 10_000

export interface SignedTransactionBytes {
  readonly signature: string
  readonly wire: Uint8Array
  readonly blockhash: string
  readonly lastValidBlockHeight: number
  /** What the simulation consumed, and the limit set from it. */
  readonly unitsConsumed: number
  readonly computeUnitLimit: number
  readonly microLamports: number
}

interface LatestBlockhash {
  readonly blockhash: string
  readonly lastValidBlockHeight: number
}

interface SimulationValue {
  readonly err: unknown
  readonly logs: ReadonlyArray<string> | null
  readonly unitsConsumed?: number | null
}

/** A signed transaction to simulate, with what its errors are classified by. */
class Simulate extends Request.Class<
  { readonly signed: Transaction; readonly context: TransactionContext },
  { readonly value: SimulationValue },
  ChainError,
  never
> {}

export interface TransactionsOptions {
  /** The tree the transactions write to, named by TreeFull and used for "auto" fees. */
  readonly tree?: string | undefined
  /** What kind of transaction it is ("mintV1"...): its last simulation guesses the limit. */
  readonly kind?: string | undefined
  /**
   * Compute units on top of the simulated need and its margin, for work the simulation cannot
   * see: work that depends on what other transactions change before this one lands.
   */
  readonly headroomUnits?: number | undefined
}

/**
 * The compute-unit limit for what a simulation consumed: the margin and the headroom on top,
 * never below the floor.
 */
export const computeUnitLimit = (
  unitsConsumed: number,
  margin: number,
  minimum: number,
  headroom = 0
): number =>
  Math.min(MAX_COMPUTE_UNITS, Math.max(minimum, Math.ceil(unitsConsumed * (1 + margin)) + headroom))

/**
 * A compute-unit price from getRecentPrioritizationFees: the 75th percentile of the slots where
 * anyone paid for the tree (a slot answering 0 had no competition for it), at most `cap`; 0 when
 * nobody paid in the last ~150 slots.
 */
export const recentFeeEstimate = (fees: ReadonlyArray<number>, cap: number): number => {
  const paid = fees.filter((fee) => fee > 0).sort((a, b) => a - b)
  if (paid.length === 0) return 0
  return Math.min(cap, paid[Math.min(paid.length - 1, Math.floor(paid.length * 0.75))] ?? 0)
}

export const makeTransactions = Effect.fnUntraced(function* (client: SolanaClientShape) {
  const { rpc, umi, settings } = client

  /** The last blockhash fetched; dropped early once the chain is seen near its expiry. */
  let lastValid = Number.POSITIVE_INFINITY
  const [latestBlockhash, forgetBlockhash] = yield* rpc
    .call<{ value: LatestBlockhash }>("getLatestBlockhash", [{ commitment: settings.commitment }])
    .pipe(
      Effect.map((r) => r.value),
      Effect.tap((r) =>
        Effect.sync(() => {
          lastValid = r.lastValidBlockHeight
        })
      ),
      Effect.cachedInvalidateWithTTL((exit) => (exit._tag === "Success" ? settings.blockhashReuseMs : 0))
    )
  /** Blocks a reused blockhash must still have ahead of it. */
  const BLOCKHASH_HEADROOM = 20

  const fees = new Map<string, { readonly at: number; readonly microLamports: number }>()
  const priorityFee = (tree: string | undefined) =>
    Effect.gen(function* () {
      const fee = settings.priorityFee
      if (fee._tag === "Fixed") return fee.microLamports
      const key = tree ?? ""
      const now = yield* Clock.currentTimeMillis
      const cached = fees.get(key)
      if (cached !== undefined && now - cached.at < PRIORITY_FEE_TTL_MS) return cached.microLamports
      // The price is advice: an endpoint without the method, or failing now, must not stop mints.
      const recent = yield* rpc
        .call<ReadonlyArray<{ prioritizationFee: number }>>(
          "getRecentPrioritizationFees",
          tree === undefined ? [] : [[tree]]
        )
        .pipe(
          Effect.map((answer) =>
            recentFeeEstimate(
              answer.map((r) => r.prioritizationFee),
              fee.maxMicroLamports
            )
          ),
          Effect.catch((error) =>
            Effect.as(
              Effect.logWarning(
                `getRecentPrioritizationFees failed (${error.message}); keeping the last price`
              ),
              cached?.microLamports ?? 0
            )
          )
        )
      fees.set(key, { at: now, microLamports: recent })
      return recent
    })

  const withBudget = (instructions: TransactionBuilder, units: number, microLamports: number) => {
    let builder = transactionBuilder().add(setComputeUnitLimit(umi, { units }))
    if (microLamports > 0) builder = builder.add(setComputeUnitPrice(umi, { microLamports }))
    return builder.add(instructions)
  }

  /** What the last simulation of each kind of transaction consumed: the next one's first guess. */
  const lastConsumed = new Map<string, number>()

  const simulateParams = (signed: Transaction): ReadonlyArray<unknown> => [
    Buffer.from(umi.transactions.serialize(signed)).toString("base64"),
    {
      encoding: "base64",
      sigVerify: false,
      replaceRecentBlockhash: true,
      commitment: settings.commitment
    }
  ]
  const simulateOne = (signed: Transaction, context: TransactionContext) =>
    rpc.call<{ value: SimulationValue }>("simulateTransaction", simulateParams(signed), context)

  // Transactions prepared together are simulated together. A program error is in each answer's
  // `value.err`; an error of the call itself (or of the batch) simulates each one alone again, to
  // be classified with its context.
  const simulations = batchedCalls<Simulate>({
    rpc,
    method: "simulateTransaction",
    batchSize: settings.rpcBatchSize,
    params: (request) => simulateParams(request.signed),
    alone: (request) => simulateOne(request.signed, request.context),
    answer: (result) => result as { readonly value: SimulationValue }
  })

  const simulate = (signed: Transaction, context: TransactionContext) =>
    Effect.request(new Simulate({ signed, context }), simulations)

  /**
   * Signs `instructions` (with every signer they name, the fee payer first) behind a
   * compute-unit limit from a simulation of the signed transaction itself, plus the margin. The
   * limit is first guessed from the last simulation of the same kind, so usually one build and
   * one signature suffice; a guess off by more than the margin is signed again with the right
   * limit. Fails, before the signature is handed out, with what the chain would answer.
   */
  const prepare = (
    instructions: TransactionBuilder,
    options: TransactionsOptions = {}
  ): Effect.Effect<SignedTransactionBytes, ChainError> =>
    Effect.gen(function* () {
      const [recent, microLamports] = yield* Effect.all([latestBlockhash, priorityFee(options.tree)], {
        concurrency: 2
      })
      const sign = (units: number) =>
        Effect.promise(() =>
          withBudget(instructions, units, microLamports).setBlockhash(recent).buildAndSign(umi)
        )
      const headroom = options.headroomUnits ?? 0
      const limitFor = (consumed: number) =>
        computeUnitLimit(consumed, settings.computeUnitMargin, settings.minComputeUnits, headroom)
      const guess = options.kind === undefined ? undefined : lastConsumed.get(options.kind)
      let limit = guess === undefined ? MAX_COMPUTE_UNITS : limitFor(guess)
      let signed = yield* sign(limit)
      const context: TransactionContext = {
        feePayer: client.feePayer,
        tree: options.tree,
        programIds: signed.message.instructions.map((ix) => signed.message.accounts[ix.programIndex] ?? ""),
        accountKeys: signed.message.accounts
      }
      let simulation = (yield* simulate(signed, context)).value
      if (simulation.err !== null && simulation.err !== undefined && limit < MAX_COMPUTE_UNITS) {
        // Perhaps only the guessed limit was too low: judge it again with all it may use.
        limit = MAX_COMPUTE_UNITS
        signed = yield* sign(limit)
        simulation = (yield* simulate(signed, context)).value
      }
      const { err, logs, unitsConsumed } = simulation
      if (err !== null && err !== undefined) {
        return yield* Effect.fail(chainError(fromTransactionError(err, logs ?? [], context)))
      }
      const consumed = unitsConsumed ?? MAX_COMPUTE_UNITS
      if (options.kind !== undefined) lastConsumed.set(options.kind, consumed)
      const ideal = limitFor(consumed)
      // A guess keeping at least half the margin stands; one short of that, or well above, is redone.
      if (
        limit < consumed * (1 + settings.computeUnitMargin / 2) + headroom ||
        limit > ideal * (1 + settings.computeUnitMargin)
      ) {
        limit = ideal
        signed = yield* sign(limit)
      }
      return {
        signature: base58.deserialize(signed.signatures[0]!)[0],
        wire: umi.transactions.serialize(signed),
        blockhash: recent.blockhash,
        lastValidBlockHeight: recent.lastValidBlockHeight,
        unitsConsumed: consumed,
        computeUnitLimit: limit,
        microLamports
      }
    }).pipe(Effect.withSpan("Transactions.prepare", undefined, { captureStackTrace: false }))

  /** sendTransaction's parameters for signed bytes: no preflight (the prepare simulated), no retries. */
  const sendParams = (wire: Uint8Array): ReadonlyArray<unknown> => [
    Buffer.from(wire).toString("base64"),
    {
      encoding: "base64",
      skipPreflight: true,
      maxRetries: 0,
      preflightCommitment: settings.commitment
    }
  ]

  /** Sends signed bytes once: the caller owns re-sending. An already processed transaction is no error. */
  const send = (
    wire: Uint8Array,
    context: Partial<TransactionContext> = {}
  ): Effect.Effect<void, ChainError> =>
    rpc.call<string>("sendTransaction", sendParams(wire), { feePayer: client.feePayer, ...context }).pipe(
      Effect.asVoid,
      Effect.tapError((error) => (error.reason._tag === "BlockhashNotFound" ? forgetBlockhash : Effect.void)),
      Effect.catchIf(
        (error) =>
          error.reason._tag === "InvalidRequest" && /already been processed/.test(error.reason.message),
        () => Effect.void
      )
    )

  /** The block height at the configured commitment. */
  const blockHeight = rpc
    .call<number>("getBlockHeight", [{ commitment: settings.commitment }])
    .pipe(Effect.tap((height) => (height + BLOCKHASH_HEADROOM >= lastValid ? forgetBlockhash : Effect.void)))

  /**
   * Sends once and waits until the signature lands at the configured commitment. It is sent
   * again while the blockhash is valid (the same bytes: at most one can land); once the height
   * passes lastValidBlockHeight unseen, it fails with BlockhashNotFound (sign again).
   */
  const sendAndConfirm = (signed: SignedTransactionBytes, context: Partial<TransactionContext> = {}) =>
    Effect.gen(function* () {
      yield* send(signed.wire, context)
      const poll = Effect.gen(function* () {
        const statuses = yield* rpc.call<{ value: ReadonlyArray<RpcSignatureStatus | null> }>(
          "getSignatureStatuses",
          [[signed.signature], { searchTransactionHistory: true }]
        )
        const status = statuses.value[0] ?? null
        if (status !== null && reached(status, settings.commitment)) return { landed: true as const, status }
        const height = yield* blockHeight
        if (height > signed.lastValidBlockHeight) {
          return yield* Effect.fail(chainError(new BlockhashNotFound()))
        }
        yield* send(signed.wire, context)
        return { landed: false as const }
      })
      const result = yield* poll.pipe(
        Effect.repeat({ until: (r) => r.landed, schedule: Schedule.spaced("200 millis") })
      )
      if (!result.landed) return yield* Effect.die("unreachable")
      if (result.status.err !== null) {
        return yield* Effect.fail(
          chainError(fromTransactionError(result.status.err, [], { feePayer: client.feePayer, ...context }))
        )
      }
      return result.status.slot
    }).pipe(Effect.withSpan("Transactions.sendAndConfirm", undefined, { captureStackTrace: false }))

  return { prepare, send, sendParams, sendAndConfirm, blockHeight, latestBlockhash }
})

export type Transactions = Effect.Success<ReturnType<typeof makeTransactions>>

/** getSignatureStatuses' entry for one signature. */
export interface RpcSignatureStatus {
  readonly slot: number
  readonly confirmations: number | null
  readonly err: unknown
  readonly confirmationStatus?: "processed" | "confirmed" | "finalized" | null
}

const rank = { processed: 0, confirmed: 1, finalized: 2 } as const

/** Whether a status has reached the commitment the adapter was configured with. */
export const reached = (status: RpcSignatureStatus, commitment: keyof typeof rank): boolean => {
  // Old nodes answer without confirmationStatus; `confirmations: null` then means rooted.
  const level = status.confirmationStatus ?? (status.confirmations === null ? "finalized" : "processed")
  return rank[level] >= rank[commitment]
}
