/**
 * The state of every in-memory repository, kept in one place so that a transaction can
 * snapshot all of it and put it back if the transaction fails.
 *
 * One semaphore serialises every access: repository calls take it for their own duration,
 * a transaction takes it for the whole transaction. Calls made inside a transaction see
 * `CurrentTransaction` set to this store and do not lock again (they would deadlock).
 */
import { Context, type DateTime, Effect, Exit, Layer, Semaphore } from "effect"
import type { Collection, CollectionCreation } from "../Collection.ts"
import type { Attempt, Mint } from "../Mint.ts"
import type { OpenFinding } from "../OpenFinding.ts"
import type { OutboxEvent } from "../OutboxEvent.ts"
import type { ReplicaState } from "../ports/ReplicaRepository.ts"
import type { ReconciliationReport } from "../Reconciliation.ts"
import type { ReplicaLeaf } from "../ReplicaLeaf.ts"
import type { MetadataDocument } from "../TicketMetadata.ts"
import type { Tree } from "../Tree.ts"
import type { Hash } from "../TreeReplica.ts"

export interface TicketMarked {
  readonly ticketId: string
  readonly assetId: string
  readonly at: DateTime.Utc
  /** Whether the platform's ticket row was known (and so updated). */
  readonly updated: boolean
}

export interface State {
  readonly mints: Map<string, Mint>
  /** By signature, in insertion order. */
  readonly attempts: Map<string, Attempt>
  readonly collections: Map<string, Collection>
  /** Signed creation transactions of collections whose NFT is not recorded yet. */
  readonly collectionCreations: Map<string, CollectionCreation>
  readonly trees: Map<string, Tree>
  readonly checkpoints: Map<string, string>
  readonly reports: Map<string, ReconciliationReport>
  /** By id, in insertion order. */
  readonly outbox: Map<string, OutboxEvent>
  readonly nonces: Map<string, DateTime.Utc>
  readonly metadata: Map<string, MetadataDocument>
  readonly ticketsMarked: Array<TicketMarked>
  /** The recorded genesis hash, under the key "genesis". */
  readonly genesis: Map<"genesis", string>
  /** Genesis hashes an operator's recovery from a reset replaced, oldest first: evidence. */
  readonly genesisReplaced: Array<{ readonly genesisHash: string; readonly replacedAt: DateTime.Utc }>
  readonly replicas: Map<string, ReplicaState>
  /** By `${tree}:${heap index}`. */
  readonly replicaNodes: Map<string, Hash>
  /** By `${tree}:${leaf index}`. */
  readonly replicaLeaves: Map<string, ReplicaLeaf>
  /** By finding id, in insertion order. */
  readonly findings: Map<string, OpenFinding>
}

const emptyState = (): State => ({
  mints: new Map(),
  attempts: new Map(),
  collections: new Map(),
  collectionCreations: new Map(),
  trees: new Map(),
  checkpoints: new Map(),
  reports: new Map(),
  outbox: new Map(),
  nonces: new Map(),
  metadata: new Map(),
  ticketsMarked: [],
  genesis: new Map(),
  genesisReplaced: [],
  replicas: new Map(),
  replicaNodes: new Map(),
  replicaLeaves: new Map(),
  findings: new Map()
})

// Values are immutable, so copying the containers is a full snapshot.
const copyState = (s: State): State => ({
  mints: new Map(s.mints),
  attempts: new Map(s.attempts),
  collections: new Map(s.collections),
  collectionCreations: new Map(s.collectionCreations),
  trees: new Map(s.trees),
  checkpoints: new Map(s.checkpoints),
  reports: new Map(s.reports),
  outbox: new Map(s.outbox),
  nonces: new Map(s.nonces),
  metadata: new Map(s.metadata),
  ticketsMarked: [...s.ticketsMarked],
  genesis: new Map(s.genesis),
  genesisReplaced: [...s.genesisReplaced],
  replicas: new Map(s.replicas),
  replicaNodes: new Map(s.replicaNodes),
  replicaLeaves: new Map(s.replicaLeaves),
  findings: new Map(s.findings)
})

/** The store whose transaction the current fiber runs in, if any. */
export const CurrentTransaction = Context.Reference<object | null>(
  "@tickettoken/minting-core/testing/InMemoryStore/CurrentTransaction",
  { defaultValue: () => null }
)

export class InMemoryStore extends Context.Service<
  InMemoryStore,
  {
    /** Runs `f` against the state, alone: under the lock, or inside the current transaction. */
    use<A, E>(f: (state: State) => Effect.Effect<A, E>): Effect.Effect<A, E>
    /** All or nothing; nested calls roll back to where they began, like savepoints. */
    transaction<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
    /** A copy of everything, for tests to look at. */
    readonly snapshot: Effect.Effect<State>
  }
>()("@tickettoken/minting-core/testing/InMemoryStore") {
  static readonly layer = Layer.effect(
    InMemoryStore,
    Effect.gen(function* () {
      const lock = yield* Semaphore.make(1)
      const ref = { current: emptyState() }
      const identity = {}

      const exclusive = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        CurrentTransaction.use((current) => (current === identity ? self : lock.withPermit(self)))

      const use = <A, E>(f: (state: State) => Effect.Effect<A, E>) =>
        exclusive(Effect.suspend(() => f(ref.current)))

      const transaction = <A, E, R>(self: Effect.Effect<A, E, R>) =>
        exclusive(
          Effect.suspend(() => {
            const before = copyState(ref.current)
            return self.pipe(
              Effect.provideService(CurrentTransaction, identity),
              Effect.onExit((exit) =>
                Exit.isFailure(exit)
                  ? Effect.sync(() => {
                      ref.current = before
                    })
                  : Effect.void
              )
            )
          })
        )

      return InMemoryStore.of({
        use,
        transaction,
        snapshot: exclusive(Effect.sync(() => copyState(ref.current)))
      })
    })
  )
}
