/** Every repository port on one SqlClient, plus the Transactor that spans them. */
import type { Repositories } from "@tickettoken/minting-core"
import { Layer } from "effect"
import type { SqlClient } from "effect/sql"
import * as PostgresCollectionRepository from "./PostgresCollectionRepository.ts"
import * as PostgresFindingRepository from "./PostgresFindingRepository.ts"
import * as PostgresMetadataStore from "./PostgresMetadataStore.ts"
import * as PostgresMintRepository from "./PostgresMintRepository.ts"
import * as PostgresNonceStore from "./PostgresNonceStore.ts"
import * as PostgresOutbox from "./PostgresOutbox.ts"
import * as PostgresReplicaRepository from "./PostgresReplicaRepository.ts"
import * as PostgresReportRepository from "./PostgresReportRepository.ts"
import * as PostgresTicketLedger from "./PostgresTicketLedger.ts"
import * as PostgresTransactor from "./PostgresTransactor.ts"
import * as PostgresTreeRegistry from "./PostgresTreeRegistry.ts"

export type { Repositories }

/**
 * The adapters over a client the caller provides; it does not migrate. The platform's tickets
 * are updated in `ticketsTable` (default `public.tickets`).
 */
export const layerWith = (options: {
  readonly ticketsTable?: string | undefined
}): Layer.Layer<Repositories, never, SqlClient.SqlClient> =>
  Layer.mergeAll(
    PostgresMintRepository.layer,
    PostgresCollectionRepository.layer,
    PostgresTreeRegistry.layer,
    PostgresReportRepository.layer,
    PostgresReplicaRepository.layer,
    PostgresFindingRepository.layer,
    PostgresOutbox.layer,
    PostgresTicketLedger.layerOn(options.ticketsTable ?? PostgresTicketLedger.defaultTable),
    PostgresNonceStore.layer,
    PostgresMetadataStore.layer,
    PostgresTransactor.layer
  )

export const layer: Layer.Layer<Repositories, never, SqlClient.SqlClient> = layerWith({})
