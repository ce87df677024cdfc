/**
 * @tickettoken/minting-postgres: the repository ports of @tickettoken/minting-core on PostgreSQL
 * (or PGlite, embedded), with versioned migrations run at start-up.
 */
export * as Database from "./Database.ts"
export * as LegacyImport from "./LegacyImport.ts"
export * as Migrations from "./Migrations.ts"
export {
  layerClient as layerPgliteClient,
  layerPglite,
  PgliteDatabase,
  PgliteError,
  type PgliteOptions
} from "./PgliteDatabase.ts"
export * as PostgresCollectionRepository from "./PostgresCollectionRepository.ts"
export {
  config,
  describeTarget,
  layer,
  layerConfig,
  layerOnClient,
  type PostgresOptions,
  type Services
} from "./PostgresDatabase.ts"
export * as PostgresFindingRepository from "./PostgresFindingRepository.ts"
export * as PostgresLeaderLock from "./PostgresLeaderLock.ts"
export * as PostgresMetadataStore from "./PostgresMetadataStore.ts"
export * as PostgresMintRepository from "./PostgresMintRepository.ts"
export * as PostgresNonceStore from "./PostgresNonceStore.ts"
export * as PostgresOutbox from "./PostgresOutbox.ts"
export * as PostgresReplicaRepository from "./PostgresReplicaRepository.ts"
export * as PostgresReportRepository from "./PostgresReportRepository.ts"
export * as PostgresTicketLedger from "./PostgresTicketLedger.ts"
export * as PostgresTransactor from "./PostgresTransactor.ts"
export * as PostgresTreeRegistry from "./PostgresTreeRegistry.ts"
export * as Repositories from "./Repositories.ts"
export { fromSqlError, orRepositoryError } from "./SqlErrors.ts"
