export * as ChainGatewayContract from "./contracts/ChainGatewayContract.ts"
export * as CollectionRepositoryContract from "./contracts/CollectionRepositoryContract.ts"
export * as ContractFixtures from "./contracts/Fixtures.ts"
export * as MetadataStoreContract from "./contracts/MetadataStoreContract.ts"
export * as MintRepositoryContract from "./contracts/MintRepositoryContract.ts"
export * as NonceStoreContract from "./contracts/NonceStoreContract.ts"
export * as OutboxContract from "./contracts/OutboxContract.ts"
export * as ReportRepositoryContract from "./contracts/ReportRepositoryContract.ts"
export * as TicketLedgerContract from "./contracts/TicketLedgerContract.ts"
export * as TransactorContract from "./contracts/TransactorContract.ts"
export * as TreeRegistryContract from "./contracts/TreeRegistryContract.ts"
export { type InMemoryOptions, layerInMemory, layerInMemoryWith, type Repositories } from "./InMemory.ts"
export * as InMemoryCollectionRepository from "./InMemoryCollectionRepository.ts"
export * as InMemoryMetadataStore from "./InMemoryMetadataStore.ts"
export * as InMemoryMintRepository from "./InMemoryMintRepository.ts"
export * as InMemoryNonceStore from "./InMemoryNonceStore.ts"
export * as InMemoryOutbox from "./InMemoryOutbox.ts"
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
