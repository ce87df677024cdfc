/** Every port's contract against the in-memory adapters, each case on a fresh store. */
import * as CollectionRepositoryContract from "../src/testing/contracts/CollectionRepositoryContract.ts"
import * as FindingRepositoryContract from "../src/testing/contracts/FindingRepositoryContract.ts"
import * as MetadataStoreContract from "../src/testing/contracts/MetadataStoreContract.ts"
import * as MintRepositoryContract from "../src/testing/contracts/MintRepositoryContract.ts"
import * as NonceStoreContract from "../src/testing/contracts/NonceStoreContract.ts"
import * as OutboxContract from "../src/testing/contracts/OutboxContract.ts"
import * as ReplicaRepositoryContract from "../src/testing/contracts/ReplicaRepositoryContract.ts"
import * as ReportRepositoryContract from "../src/testing/contracts/ReportRepositoryContract.ts"
import * as TicketLedgerContract from "../src/testing/contracts/TicketLedgerContract.ts"
import * as TransactorContract from "../src/testing/contracts/TransactorContract.ts"
import * as TreeRegistryContract from "../src/testing/contracts/TreeRegistryContract.ts"
import { layerInMemory, layerInMemoryWith } from "../src/testing/InMemory.ts"

MintRepositoryContract.suite("in memory", layerInMemory)
CollectionRepositoryContract.suite("in memory", layerInMemory)
TreeRegistryContract.suite("in memory", layerInMemory)
ReportRepositoryContract.suite("in memory", layerInMemory)
ReplicaRepositoryContract.suite("in memory", layerInMemory)
FindingRepositoryContract.suite("in memory", layerInMemory)
OutboxContract.suite("in memory", layerInMemory)
NonceStoreContract.suite("in memory", layerInMemory)
MetadataStoreContract.suite("in memory", layerInMemory)
TicketLedgerContract.suite("in memory, no platform table", layerInMemory)
TicketLedgerContract.suite(
  "in memory, with a known ticket",
  layerInMemoryWith({ knownTickets: ["ticket-known"] }),
  {
    knownTicketId: "ticket-known"
  }
)
TransactorContract.suite("in memory", layerInMemory)
