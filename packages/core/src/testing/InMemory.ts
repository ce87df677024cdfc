/**
 * Every repository port in memory, over one shared store, with real (serialisable, rolled back)
 * transactions: the layer use-case tests and the embedded demo run on.
 */
import { Layer } from "effect"
import type { LeaderLock } from "../ports/LeaderLock.ts"
import type { Repositories } from "../ports/Repositories.ts"
import * as InMemoryCollectionRepository from "./InMemoryCollectionRepository.ts"
import * as InMemoryFindingRepository from "./InMemoryFindingRepository.ts"
import * as InMemoryLeaderLock from "./InMemoryLeaderLock.ts"
import * as InMemoryMetadataStore from "./InMemoryMetadataStore.ts"
import * as InMemoryMintRepository from "./InMemoryMintRepository.ts"
import * as InMemoryNonceStore from "./InMemoryNonceStore.ts"
import * as InMemoryOutbox from "./InMemoryOutbox.ts"
import * as InMemoryReplicaRepository from "./InMemoryReplicaRepository.ts"
import * as InMemoryReportRepository from "./InMemoryReportRepository.ts"
import { InMemoryStore } from "./InMemoryStore.ts"
import * as InMemoryTicketLedger from "./InMemoryTicketLedger.ts"
import * as InMemoryTransactor from "./InMemoryTransactor.ts"
import * as InMemoryTreeRegistry from "./InMemoryTreeRegistry.ts"

export type { Repositories }

export interface InMemoryOptions {
  /** Ticket ids the platform's ticket table holds (see InMemoryTicketLedger). */
  readonly knownTickets?: Iterable<string> | undefined
}

/** The repositories and the store under them (tests may read the store's snapshot). */
export const layerInMemoryWith = (
  options: InMemoryOptions = {}
): Layer.Layer<Repositories | LeaderLock | InMemoryStore> =>
  Layer.mergeAll(
    InMemoryMintRepository.layer,
    InMemoryCollectionRepository.layer,
    InMemoryTreeRegistry.layer,
    InMemoryReportRepository.layer,
    InMemoryReplicaRepository.layer,
    InMemoryFindingRepository.layer,
    InMemoryOutbox.layer,
    InMemoryTicketLedger.layer(options),
    InMemoryNonceStore.layer,
    InMemoryMetadataStore.layer,
    InMemoryTransactor.layer,
    InMemoryLeaderLock.layer
  ).pipe(Layer.provideMerge(InMemoryStore.layer))

export const layerInMemory: Layer.Layer<Repositories | LeaderLock | InMemoryStore> = layerInMemoryWith()

/** The same as `layerInMemoryWith` (its first name; kept for callers written against it). */
export const layerWith = layerInMemoryWith
