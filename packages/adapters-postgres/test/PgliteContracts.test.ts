/** Every repository port's contract against PGlite, reached over its socket like a server. */
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
import { client, freshRepositories, startPglite } from "./TestDatabase.ts"

const pglite = await startPglite()
afterAll(() => pglite.stop())

const layer = freshRepositories(client(pglite.url, 1))

MintRepositoryContract.suite("pglite", layer)
CollectionRepositoryContract.suite("pglite", layer)
TreeRegistryContract.suite("pglite", layer)
ReportRepositoryContract.suite("pglite", layer)
OutboxContract.suite("pglite", layer)
NonceStoreContract.suite("pglite", layer)
MetadataStoreContract.suite("pglite", layer)
TicketLedgerContract.suite("pglite, no tickets table", layer)
TransactorContract.suite("pglite", layer)
