import type { CollectionRepository } from "./CollectionRepository.ts"
import type { FindingRepository } from "./FindingRepository.ts"
import type { MetadataStore } from "./MetadataStore.ts"
import type { MintRepository } from "./MintRepository.ts"
import type { NonceStore } from "./NonceStore.ts"
import type { Outbox } from "./Outbox.ts"
import type { ReplicaRepository } from "./ReplicaRepository.ts"
import type { ReportRepository } from "./ReportRepository.ts"
import type { TicketLedger } from "./TicketLedger.ts"
import type { Transactor } from "./Transactor.ts"
import type { TreeRegistry } from "./TreeRegistry.ts"

/** Every repository port and the Transactor that spans them: what a storage adapter provides. */
export type Repositories =
  | MintRepository
  | CollectionRepository
  | TreeRegistry
  | ReportRepository
  | ReplicaRepository
  | FindingRepository
  | Outbox
  | TicketLedger
  | NonceStore
  | MetadataStore
  | Transactor
