/**
 * @tickettoken/minting-core/testing: in-memory adapters of every port and a simulated chain,
 * for this domain's tests and other services' own. The contract suites they pass are in
 * `/testing/contracts` (kept apart: they load the test runner).
 */
export { type InMemoryOptions, layerInMemory, layerInMemoryWith, type Repositories } from "./InMemory.ts"
export * as InMemoryCollectionRepository from "./InMemoryCollectionRepository.ts"
export * as InMemoryFindingRepository from "./InMemoryFindingRepository.ts"
export * as InMemoryLeaderLock from "./InMemoryLeaderLock.ts"
export * as InMemoryMetadataStore from "./InMemoryMetadataStore.ts"
export * as InMemoryMintRepository from "./InMemoryMintRepository.ts"
export * as InMemoryNonceStore from "./InMemoryNonceStore.ts"
export * as InMemoryOutbox from "./InMemoryOutbox.ts"
export * as InMemoryReplicaRepository from "./InMemoryReplicaRepository.ts"
export * as InMemoryReportRepository from "./InMemoryReportRepository.ts"
export {
  CurrentTransaction,
  InMemoryStore,
  type State as InMemoryState,
  type TicketMarked
} from "./InMemoryStore.ts"
export * as InMemoryTicketLedger from "./InMemoryTicketLedger.ts"
export * as InMemoryTransactor from "./InMemoryTransactor.ts"
export * as InMemoryTreeRegistry from "./InMemoryTreeRegistry.ts"
export * as SimulatedChain from "./SimulatedChain.ts"
export { SimulatedChainControl } from "./SimulatedChain.ts"
