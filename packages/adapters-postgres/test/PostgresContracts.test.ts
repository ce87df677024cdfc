/** Every repository port's contract against the real PostgreSQL server, in a database of its own. */

import { afterAll } from "@effect/vitest"
import {
  CollectionRepositoryContract,
  MetadataStoreContract,
  MintRepositoryContract,
  NonceStoreContract,
  OutboxContract,
  ReportRepositoryContract,
  TicketLedgerContract,
  TransactorContract,
  TreeRegistryContract
} from "@tickettoken/minting-core/testing/contracts"
import { client, createDatabase, freshRepositories } from "./TestDatabase.ts"

const database = await createDatabase()
afterAll(() => database.drop())

const layer = freshRepositories(client(database.url, 8))

MintRepositoryContract.suite("postgresql", layer)
CollectionRepositoryContract.suite("postgresql", layer)
TreeRegistryContract.suite("postgresql", layer)
ReportRepositoryContract.suite("postgresql", layer)
OutboxContract.suite("postgresql", layer)
NonceStoreContract.suite("postgresql", layer)
MetadataStoreContract.suite("postgresql", layer)
TicketLedgerContract.suite("postgresql, no tickets table", layer)
TransactorContract.suite("postgresql", layer)
