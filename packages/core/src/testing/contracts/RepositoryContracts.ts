/** Every repository port's contract on one layer: what a storage adapter runs in one line. */
import type { Layer } from "effect"
import type { Repositories } from "../../ports/Repositories.ts"
import * as CollectionRepositoryContract from "./CollectionRepositoryContract.ts"
import * as FindingRepositoryContract from "./FindingRepositoryContract.ts"
import * as MetadataStoreContract from "./MetadataStoreContract.ts"
import * as MintRepositoryContract from "./MintRepositoryContract.ts"
import * as NonceStoreContract from "./NonceStoreContract.ts"
import * as OutboxContract from "./OutboxContract.ts"
import * as ReplicaRepositoryContract from "./ReplicaRepositoryContract.ts"
import * as ReportRepositoryContract from "./ReportRepositoryContract.ts"
import * as TicketLedgerContract from "./TicketLedgerContract.ts"
import * as TransactorContract from "./TransactorContract.ts"
import * as TreeRegistryContract from "./TreeRegistryContract.ts"

/** The ticket ledger is checked here without the platform's table; a test with it adds its own. */
export const suite = <E>(name: string, layer: Layer.Layer<Repositories, E>) => {
  MintRepositoryContract.suite(name, layer)
  CollectionRepositoryContract.suite(name, layer)
  TreeRegistryContract.suite(name, layer)
  ReportRepositoryContract.suite(name, layer)
  ReplicaRepositoryContract.suite(name, layer)
  FindingRepositoryContract.suite(name, layer)
  OutboxContract.suite(name, layer)
  NonceStoreContract.suite(name, layer)
  MetadataStoreContract.suite(name, layer)
  TicketLedgerContract.suite(`${name}, no tickets table`, layer)
  TransactorContract.suite(name, layer)
}
