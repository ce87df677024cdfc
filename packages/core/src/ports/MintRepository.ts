import { Context, type DateTime, type Effect, type Option } from "effect"
import type { Completion } from "../CompletionStats.ts"
import type { Attempt, AttemptOutcome, Mint, MintStatus } from "../Mint.ts"
import type { Page } from "../Page.ts"
import type { RepositoryError } from "../RepositoryError.ts"

export interface ListMintsQuery {
  readonly status?: MintStatus | undefined
  readonly eventId?: string | undefined
  readonly owner?: string | undefined
  readonly cursor?: string | undefined
  readonly limit: number
}

export interface ClaimOptions {
  readonly owner: string
  readonly now: DateTime.Utc
  readonly leaseExpiresAt: DateTime.Utc
  readonly limit: number
  /** Only in-flight mints whose lease lapsed (recovery), not due pending ones. */
  readonly inFlightOnly?: boolean | undefined
}

/**
 * The mints and every signature ever issued for them.
 *
 * Every write but `create` names the version it read; a write against a changed mint fails
 * with `StaleVersion` and changes nothing. Each successful write returns the mint with its
 * version advanced by one.
 */
export class MintRepository extends Context.Service<
  MintRepository,
  {
    /** Inserts the mint unless its ticket already has one; then returns that one, `created: false`. */
    create(mint: Mint): Effect.Effect<{ readonly mint: Mint; readonly created: boolean }, RepositoryError>
    get(id: string): Effect.Effect<Option.Option<Mint>, RepositoryError>
    findByTicket(ticketId: string): Effect.Effect<Option.Option<Mint>, RepositoryError>
    /** The mint that issued this signature, current or past. */
    findBySignature(signature: string): Effect.Effect<Option.Option<Mint>, RepositoryError>
    findByAssetId(assetId: string): Effect.Effect<Option.Option<Mint>, RepositoryError>
    /** Newest first. */
    list(query: ListMintsQuery): Effect.Effect<Page<Mint>, RepositoryError>
    /**
     * Takes up to `limit` claimable mints under a lease, oldest due first: pending mints whose
     * time has come and minting mints whose lease lapsed. Concurrent claimers never get the same
     * mint. Each comes back `minting`, leased to `owner`, version advanced.
     */
    claim(options: ClaimOptions): Effect.Effect<ReadonlyArray<Mint>, RepositoryError>
    /** Persists a transition's result if the stored version is still `expectedVersion`. */
    save(mint: Mint, expectedVersion: number): Effect.Effect<Mint, RepositoryError>
    /**
     * `save` for a batch, all or nothing: if any mint changed since its expected version (or is
     * gone), nothing is written and the first such one fails the call. One round trip for a
     * batching worker instead of one per mint. Results come back in the order given.
     */
    saveMany(
      writes: ReadonlyArray<{ readonly mint: Mint; readonly expectedVersion: number }>
    ): Effect.Effect<ReadonlyArray<Mint>, RepositoryError>
    recordAttempt(attempt: Attempt): Effect.Effect<void, RepositoryError>
    /** recordAttempt for many at once (one statement where the store allows): mints signed together. */
    recordAttempts(attempts: ReadonlyArray<Attempt>): Effect.Effect<void, RepositoryError>
    settleAttempt(
      signature: string,
      outcome: AttemptOutcome,
      at: DateTime.Utc
    ): Effect.Effect<void, RepositoryError>
    /** settleAttempt for many at once: NotFound (and nothing settled) when any signature is unknown. */
    settleAttempts(
      signatures: ReadonlyArray<string>,
      outcome: AttemptOutcome,
      at: DateTime.Utc
    ): Effect.Effect<void, RepositoryError>
    /** Oldest first. */
    attempts(mintId: string): Effect.Effect<ReadonlyArray<Attempt>, RepositoryError>
    /** Every signature each of these mints ever issued (its attempts), oldest first; one round trip. */
    signaturesOf(
      mintIds: ReadonlyArray<string>
    ): Effect.Effect<ReadonlyMap<string, ReadonlyArray<string>>, RepositoryError>
    /** All mints in the given statuses, in id order, for the reconciler to walk. */
    scan(
      statuses: ReadonlyArray<MintStatus>,
      cursor: string | null,
      limit: number
    ): Effect.Effect<Page<Mint>, RepositoryError>
    countByStatus(): Effect.Effect<Readonly<Record<MintStatus, number>>, RepositoryError>
    /**
     * The completed mints whose completion is at or after `since`, newest completion first, at
     * most `limit`: what the operator console summarises (CompletionStats) for the last hour.
     */
    completedSince(
      since: DateTime.Utc,
      limit: number
    ): Effect.Effect<ReadonlyArray<Completion>, RepositoryError>
  }
>()("@tickettoken/minting-core/MintRepository") {}
