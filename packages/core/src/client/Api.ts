/**
 * The minting API, declared once. Each endpoint says its method, path, who may call it, the
 * schemas of its path, query and body, and every status it answers. The HTTP app mounts its
 * routes from these declarations (and validates with their schemas), `/openapi.json` is
 * generated from them, and the typed client builds its paths from them: adding a route is one
 * declaration here plus its implementation, which the app's types demand.
 */
import { Schema } from "effect"
import {
  AssetProofView,
  BatchMintRequest,
  BatchMintResponse,
  CollectionIdParam,
  CollectionList,
  CollectionView,
  CreateCollectionRequest,
  ErrorBody,
  FindingIdParam,
  FindingList,
  FindingView,
  ListFindingsParams,
  ListMintsParams,
  ListReportsParams,
  MintList,
  MintRequest,
  MintView,
  ReportIdParam,
  ReportList,
  ReportView,
  ResolveFindingRequest,
  TicketIdParam,
  UpdateCollectionRequest
} from "./ApiSchemas.ts"

/**
 * `internal`: the HMAC scheme of other services. `operator`: that, or an admin JWT. `admin`: an
 * admin JWT only (what changes the chain or the service's own setup is a person's decision).
 */
export type Access = "public" | "internal" | "operator" | "admin"

/** A schema of the wire: decoding and encoding need no service. */
export type Wire = Schema.Top & { readonly DecodingServices: never; readonly EncodingServices: never }

/** One answer the endpoint gives. Without a schema, the body is described, not typed. */
export interface Answer {
  readonly description: string
  readonly schema?: Wire
  /** Default application/json. */
  readonly contentType?: string
  /** For error answers: the stable `error.code`s this status carries here. */
  readonly codes?: ReadonlyArray<string>
  readonly example?: unknown
}

export interface Endpoint {
  readonly method: "GET" | "POST" | "PATCH"
  /** OpenAPI form: `/v1/mints/{ticketId}`. */
  readonly path: `/${string}`
  readonly access: Access
  readonly summary: string
  readonly description?: string
  readonly tag: string
  readonly params?: Wire
  readonly query?: Wire
  readonly body?: Wire
  readonly bodyExample?: unknown
  /** Every status the endpoint answers, beyond those its access, inputs and body imply. */
  readonly answers: Readonly<Record<number, Answer>>
  /** Follow-up calls, as OpenAPI links on the 2xx answers. */
  readonly links?: Readonly<
    Record<string, { readonly operation: string; readonly parameters: Record<string, string> }>
  >
}

const endpoint = <const E extends Endpoint>(e: E): E => e

const unavailable: Answer = {
  description: "The database or the chain is unavailable; try again",
  schema: ErrorBody,
  codes: ["database_unavailable", "chain_unavailable"]
}

const exampleRequest = {
  ticketId: "tkt-2026-0001",
  orderId: "ord-7781",
  eventId: "evt-jazz-night",
  owner: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
  metadata: { eventName: "Jazz Night", image: "https://img.tickettoken.example/jazz.png" }
}

const exampleMint = {
  id: "0b6f4e1c-4c1e-4c57-9a43-2f7d1f3b8a10",
  ticketId: "tkt-2026-0001",
  orderId: "ord-7781",
  eventId: "evt-jazz-night",
  owner: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
  collectionId: null,
  status: "pending",
  attempts: 0,
  maxAttempts: 3,
  nextAttemptAt: "2026-11-30T12:00:00.000Z",
  metadataUri: "https://mint.tickettoken.example/metadata/tkt-2026-0001",
  signature: null,
  assetId: null,
  tree: null,
  leafIndex: null,
  error: null,
  createdAt: "2026-11-30T12:00:00.000Z",
  updatedAt: "2026-11-30T12:00:00.000Z",
  completedAt: null
}

const exampleReport = {
  id: "5d0c2a44-8d2b-4c1f-9a8e-7e51f2c3b9d0",
  startedAt: "2026-11-30T12:05:00.000Z",
  finishedAt: "2026-11-30T12:05:01.200Z",
  counts: {
    dbToChain: 120,
    chainToDb: 120,
    mismatches: 0,
    success: 120,
    byReason: {
      success: 120,
      mint_missing: 0,
      transaction_failed: 0,
      metadata_mismatch: 0,
      chain_orphaned: 0,
      db_orphaned: 0,
      double_mint: 0,
      replica_incomplete: 0,
      chain_reset: 0,
      import_unproven: 0
    }
  },
  rpcCalls: 3,
  examined: 240,
  findings: [],
  alerts: []
}

const exampleFinding = {
  id: "chain_orphaned:8Ww3qB7uXfiJZ5ZvxaKEYVjzR2FbTzXGdEg2ssrV1xkT",
  state: "open",
  reasonCode: "chain_orphaned",
  finding: {
    reasonCode: "chain_orphaned",
    action: "flag",
    mintId: null,
    ticketId: "tkt-2026-0042",
    signature: "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
    assetId: "8Ww3qB7uXfiJZ5ZvxaKEYVjzR2FbTzXGdEg2ssrV1xkT",
    tree: "6gCKVoSVe5BQiw8rYb43o5WKFDkoPYWwYBFnFVcHBz1q",
    details:
      "leaf 41 of tree 6gCK... belongs to no mint; its URI names ticket tkt-2026-0042 (adopt it to restore the row)"
  },
  firstSeenAt: "2026-11-30T12:05:01.200Z",
  lastSeenAt: "2026-11-30T12:06:01.100Z",
  reportId: "5d0c2a44-8d2b-4c1f-9a8e-7e51f2c3b9d0",
  resolvedAt: null,
  resolvedBy: null
}

const mintLinks = {
  GetMint: { operation: "getMint", parameters: { ticketId: "$response.body#/ticketId" } },
  GetMetadata: { operation: "getMetadata", parameters: { ticketId: "$response.body#/ticketId" } }
} as const

export const WorkerHealth = Schema.Struct({
  status: Schema.Literals(["ok", "degraded", "off"]),
  /** Why it is stalled: chain_unreachable, fee_payer_empty, tree_missing, database_away, ... */
  reason: Schema.optionalKey(Schema.String),
  stalledForMs: Schema.optionalKey(Schema.Number),
  inFlight: Schema.optionalKey(Schema.Number)
})

export const Health = Schema.Struct({
  /** `degraded` while the worker makes no progress on mints that are due (the API still takes tickets). */
  status: Schema.Literals(["ok", "degraded"]),
  service: Schema.String,
  chain: Schema.Literals(["simulated", "localnet", "cluster"]),
  database: Schema.Literals(["postgresql", "pglite", "memory"]),
  worker: Schema.optionalKey(WorkerHealth)
})

export const HealthDb = Schema.Struct({
  status: Schema.Literals(["ok", "error"]),
  database: Schema.Literals(["connected", "disconnected"]),
  kind: Schema.String,
  service: Schema.String
})

export const HealthChain = Schema.Struct({
  status: Schema.Literals(["ok", "degraded", "error"]),
  /**
   * Why it is degraded: fee_payer_low, active_tree_missing, active_tree_nearly_full,
   * genesis_changed (not the cluster the trees were made on), chain_reset.
   */
  problems: Schema.optionalKey(
    Schema.Array(Schema.Struct({ reason: Schema.String, message: Schema.String }))
  ),
  kind: Schema.String,
  simulated: Schema.optionalKey(Schema.Boolean),
  rpcHost: Schema.optionalKey(Schema.NullOr(Schema.String)),
  genesisHash: Schema.optionalKey(Schema.String),
  slot: Schema.optionalKey(Schema.Number),
  blockHeight: Schema.optionalKey(Schema.Number),
  activeTree: Schema.optionalKey(
    Schema.NullOr(
      Schema.Struct({
        address: Schema.String,
        capacity: Schema.Number,
        minted: Schema.Number,
        fill: Schema.Number,
        exists: Schema.optionalKey(Schema.Boolean)
      })
    )
  ),
  chain: Schema.optionalKey(Schema.Literal("unreachable"))
})

/** The Metaplex JSON document a ticket's on-chain URI points at. */
export const MetadataDocument = Schema.Struct({
  name: Schema.String,
  symbol: Schema.String,
  description: Schema.String,
  image: Schema.String,
  seller_fee_basis_points: Schema.Number,
  attributes: Schema.Array(Schema.Struct({ trait_type: Schema.String, value: Schema.String })),
  properties: Schema.Struct({
    files: Schema.Array(Schema.Struct({ uri: Schema.String, type: Schema.String })),
    category: Schema.Literal("ticket"),
    creators: Schema.Array(Schema.Struct({ address: Schema.String, share: Schema.Number }))
  })
})

/** The Metaplex JSON document a collection NFT's URI points at (served when the URI is the service's). */
export const CollectionMetadataDocument = Schema.Struct({
  name: Schema.String,
  symbol: Schema.String,
  description: Schema.String,
  image: Schema.String,
  external_url: Schema.optionalKey(Schema.String),
  seller_fee_basis_points: Schema.Number,
  properties: Schema.Struct({
    files: Schema.Array(Schema.Struct({ uri: Schema.String, type: Schema.String })),
    category: Schema.Literal("image")
  })
})

const exampleCollection = {
  id: "fest-2027",
  name: "Summer Festival 2027",
  symbol: "FEST",
  status: "ready",
  collectionMint: "7Xh2Vd6n1fEtRrZhRcUZbmD2YcwW3sXzB2n8fDq5k9Qa",
  maxSupply: 20000,
  currentSupply: 0,
  uri: "https://mint.tickettoken.example/metadata/collections/fest-2027",
  sellerFeeBasisPoints: 0,
  metadata: {
    description: "Tickets of Summer Festival 2027",
    image: "https://img.tickettoken.example/fest.png"
  },
  treeCount: 0,
  creationSignature: null,
  createdAt: "2026-11-30T12:00:00.000Z"
}

const collectionLinks = {
  GetCollection: { operation: "getCollection", parameters: { id: "$response.body#/id" } }
} as const

export const endpoints = {
  createCollection: endpoint({
    method: "POST",
    path: "/v1/collections",
    access: "admin",
    tag: "collections",
    summary: "Operator: create a collection and its NFT on chain (idempotent per id)",
    description:
      "Creates the row, then a sized Token Metadata collection NFT (the fee payer its update authority) that tickets are minted into with mintToCollectionV1. The signed transaction is stored before it is sent, so a retried POST with the same id and values re-sends it or answers the collection already created; it never creates a second NFT. 202 when the transaction has not landed within the wait: POST again to finish.",
    body: CreateCollectionRequest,
    bodyExample: {
      id: "fest-2027",
      name: "Summer Festival 2027",
      symbol: "FEST",
      maxSupply: 20000,
      metadata: {
        description: "Tickets of Summer Festival 2027",
        image: "https://img.tickettoken.example/fest.png"
      }
    },
    answers: {
      201: { description: "Created now, its NFT landed", schema: CollectionView, example: exampleCollection },
      200: {
        description: "Already created with these values",
        schema: CollectionView,
        example: exampleCollection
      },
      202: {
        description:
          "The row exists and its NFT transaction is sent, not landed yet: POST the same body again",
        schema: CollectionView
      },
      409: {
        description: "The id exists with a different name, symbol, uri or seller fee",
        schema: ErrorBody,
        codes: ["collection_conflict"]
      },
      422: {
        description: "A value breaks Token Metadata's limits",
        schema: ErrorBody,
        codes: ["invalid_collection"]
      },
      503: unavailable
    },
    links: collectionLinks
  }),
  listCollections: endpoint({
    method: "GET",
    path: "/v1/collections",
    access: "operator",
    tag: "collections",
    summary: "Every collection with its supply, max supply, collection mint and tree count",
    answers: {
      200: {
        description: "The collections, by id",
        schema: CollectionList,
        example: { items: [exampleCollection] }
      },
      503: unavailable
    }
  }),
  getCollection: endpoint({
    method: "GET",
    path: "/v1/collections/{id}",
    access: "operator",
    tag: "collections",
    summary: "One collection: supply, max supply, collection mint, tree count",
    params: CollectionIdParam,
    answers: {
      200: { description: "The collection", schema: CollectionView, example: exampleCollection },
      404: { description: "No such collection", schema: ErrorBody, codes: ["collection_not_found"] },
      503: unavailable
    }
  }),
  updateCollection: endpoint({
    method: "PATCH",
    path: "/v1/collections/{id}",
    access: "admin",
    tag: "collections",
    summary: "Operator: change a collection's max supply (never below its current supply) or metadata",
    params: CollectionIdParam,
    body: UpdateCollectionRequest,
    bodyExample: { maxSupply: 25000 },
    answers: {
      200: { description: "The collection, changed", schema: CollectionView, example: exampleCollection },
      404: { description: "No such collection", schema: ErrorBody, codes: ["collection_not_found"] },
      409: {
        description: "The max supply is below the tickets the collection already holds",
        schema: ErrorBody,
        codes: ["max_supply_below_supply"]
      },
      422: { description: "A value breaks a limit", schema: ErrorBody, codes: ["invalid_collection"] },
      503: unavailable
    }
  }),
  getCollectionMetadata: endpoint({
    method: "GET",
    path: "/metadata/collections/{id}",
    access: "public",
    tag: "public",
    summary: "Public Metaplex JSON of a collection (the URI its NFT carries)",
    params: CollectionIdParam,
    answers: {
      200: { description: "Metaplex metadata JSON", schema: CollectionMetadataDocument },
      404: { description: "Unknown collection", schema: ErrorBody, codes: ["collection_not_found"] },
      503: unavailable
    }
  }),
  requestMint: endpoint({
    method: "POST",
    path: "/v1/mints",
    access: "internal",
    tag: "mints",
    summary: "Request the mint of one ticket (idempotent per ticket)",
    description:
      "The same body again answers 200 with the mint already accepted; a different body for the ticket is 409.",
    body: MintRequest,
    bodyExample: exampleRequest,
    answers: {
      202: { description: "Accepted: a new mint", schema: MintView, example: exampleMint },
      200: { description: "The same request was already accepted", schema: MintView, example: exampleMint },
      409: {
        description:
          "The ticket has a mint requested with a different body, the collection is full or its NFT is still being created, or the ticket's leaf is already on chain although it has no mint row (never minted twice; `details` names the asset)",
        schema: ErrorBody,
        codes: ["ticket_conflict", "collection_full", "collection_not_ready", "ticket_minted_on_chain"]
      },
      422: {
        description: "Metadata breaks Bubblegum's limits, or the collection is unknown",
        schema: ErrorBody,
        codes: ["invalid_metadata", "unknown_collection"]
      },
      503: unavailable
    },
    links: mintLinks
  }),
  requestMints: endpoint({
    method: "POST",
    path: "/v1/mints/batch",
    access: "internal",
    tag: "mints",
    summary: "Request the mints of up to 500 tickets; each is judged and answered on its own",
    description:
      "Always 200 with one result per ticket, in the order sent: accepted, existing, or refused with the error a single request would have had. Only a body that is not a valid batch as a whole is refused entirely (4xx), with nothing written.",
    body: BatchMintRequest,
    bodyExample: { mints: [exampleRequest] },
    answers: {
      200: {
        description: "Per-ticket results",
        schema: BatchMintResponse,
        example: { results: [{ ticketId: "tkt-2026-0001", result: "accepted", mint: exampleMint }] }
      }
    }
  }),
  listMints: endpoint({
    method: "GET",
    path: "/v1/mints",
    access: "internal",
    tag: "mints",
    summary: "List mints, newest first (filters: status, eventId, owner; cursor paging)",
    query: ListMintsParams,
    answers: {
      200: {
        description: "A page of mints",
        schema: MintList,
        example: { items: [exampleMint], nextCursor: null }
      },
      503: unavailable
    }
  }),
  getMint: endpoint({
    method: "GET",
    path: "/v1/mints/{ticketId}",
    access: "internal",
    tag: "mints",
    summary: "One ticket's mint",
    params: TicketIdParam,
    answers: {
      200: { description: "The mint", schema: MintView, example: exampleMint },
      404: { description: "No mint for the ticket", schema: ErrorBody, codes: ["mint_not_found"] },
      503: unavailable
    },
    links: { GetMetadata: mintLinks.GetMetadata }
  }),
  retryMint: endpoint({
    method: "POST",
    path: "/v1/mints/{ticketId}/retry",
    access: "operator",
    tag: "operations",
    summary: "Operator: retry a failed, missing_on_chain or imported mint (its owner known)",
    params: TicketIdParam,
    answers: {
      202: { description: "Requeued", schema: MintView, example: exampleMint },
      404: { description: "No mint for the ticket", schema: ErrorBody, codes: ["mint_not_found"] },
      409: {
        description:
          "Not retryable in its state, or on chain after all (a leaf of the ticket, or a landed signature of the mint): a retry would mint it twice",
        schema: ErrorBody,
        codes: ["retry_not_allowed", "ticket_minted_on_chain", "collection_full"]
      },
      503: unavailable
    },
    links: { GetMint: mintLinks.GetMint }
  }),
  getProof: endpoint({
    method: "GET",
    path: "/v1/mints/{ticketId}/proof",
    access: "internal",
    tag: "mints",
    summary: "The ticket's asset proof, for a transfer or a burn with mpl-bubblegum (no DAS provider)",
    description:
      "From the tree replica the reconciler keeps, and checked against the roots the tree account holds now: the root is one the chain accepts. 503 proof_unavailable while the replica is behind the chain's change-log buffer (the next pass catches up).",
    params: TicketIdParam,
    answers: {
      200: { description: "The proof", schema: AssetProofView },
      404: {
        description: "No leaf of the ticket in the replica (not minted, or not reconciled yet)",
        schema: ErrorBody,
        codes: ["proof_not_found"]
      },
      503: {
        description: "The proof cannot be checked against the chain now",
        schema: ErrorBody,
        codes: ["proof_unavailable", "database_unavailable", "chain_unavailable"]
      }
    }
  }),
  listFindings: endpoint({
    method: "GET",
    path: "/v1/findings",
    access: "operator",
    tag: "operations",
    summary: "Findings across passes, oldest first (filters: state, reason; cursor paging)",
    description:
      "A finding stays open from the first pass that reports it until a complete pass no longer does (resolved by `chain`) or an operator resolves it.",
    query: ListFindingsParams,
    answers: {
      200: {
        description: "A page of findings",
        schema: FindingList,
        example: { items: [exampleFinding], nextCursor: null }
      },
      503: unavailable
    }
  }),
  resolveFinding: endpoint({
    method: "POST",
    path: "/v1/findings/{id}/resolve",
    access: "operator",
    tag: "operations",
    summary: "Operator: close an open finding (it opens again if a later pass reports it)",
    params: FindingIdParam,
    body: ResolveFindingRequest,
    bodyExample: { by: "alice" },
    answers: {
      200: {
        description: "The finding, resolved",
        schema: FindingView,
        example: {
          ...exampleFinding,
          state: "resolved",
          resolvedAt: "2026-11-30T13:00:00.000Z",
          resolvedBy: "operator:alice"
        }
      },
      404: { description: "No open finding of that id", schema: ErrorBody, codes: ["not_found"] },
      503: unavailable
    }
  }),
  runReconciliation: endpoint({
    method: "POST",
    path: "/v1/reconciliations",
    access: "operator",
    tag: "operations",
    summary: "Operator: run a reconciliation pass now",
    answers: {
      201: { description: "The pass's report", schema: ReportView, example: exampleReport },
      409: { description: "A pass is already running", schema: ErrorBody, codes: ["reconciliation_running"] },
      503: unavailable
    },
    links: { GetReport: { operation: "getReport", parameters: { id: "$response.body#/id" } } }
  }),
  listReports: endpoint({
    method: "GET",
    path: "/v1/reconciliations",
    access: "operator",
    tag: "operations",
    summary: "Reconciliation reports, newest first",
    query: ListReportsParams,
    answers: {
      200: {
        description: "Reports",
        schema: ReportList,
        example: { items: [exampleReport], nextCursor: null }
      },
      503: unavailable
    }
  }),
  getReport: endpoint({
    method: "GET",
    path: "/v1/reconciliations/{id}",
    access: "operator",
    tag: "operations",
    summary: "One report with its findings",
    params: ReportIdParam,
    answers: {
      200: { description: "The report", schema: ReportView, example: exampleReport },
      404: { description: "No such report", schema: ErrorBody, codes: ["report_not_found"] },
      503: unavailable
    }
  }),
  getMetadata: endpoint({
    method: "GET",
    path: "/metadata/{ticketId}",
    access: "public",
    tag: "public",
    summary: "Public Metaplex JSON of a ticket (the URI on chain)",
    params: TicketIdParam,
    answers: {
      200: { description: "Metaplex metadata JSON", schema: MetadataDocument },
      404: { description: "Unknown ticket", schema: ErrorBody, codes: ["metadata_not_found"] },
      503: unavailable
    }
  }),
  health: endpoint({
    method: "GET",
    path: "/health",
    access: "public",
    tag: "health",
    summary: "Liveness, and what the service runs on",
    answers: {
      200: {
        description: "Up",
        schema: Health,
        example: { status: "ok", service: "minting-service", chain: "localnet", database: "postgresql" }
      }
    }
  }),
  healthDb: endpoint({
    method: "GET",
    path: "/health/db",
    access: "public",
    tag: "health",
    summary: "Database reachability",
    answers: {
      200: { description: "Connected", schema: HealthDb },
      503: { description: "Disconnected", schema: HealthDb }
    }
  }),
  healthChain: endpoint({
    method: "GET",
    path: "/health/chain",
    access: "public",
    tag: "health",
    summary: "Chain: the cluster's host (never its URL), slot, block height, active tree",
    answers: {
      200: { description: "Reachable", schema: HealthChain },
      503: { description: "Unreachable", schema: HealthChain }
    }
  }),
  openapi: endpoint({
    method: "GET",
    path: "/openapi.json",
    access: "public",
    tag: "reference",
    summary: "This OpenAPI 3.1 document, generated from the API's one definition",
    answers: { 200: { description: "The document" } }
  }),
  docs: endpoint({
    method: "GET",
    path: "/docs",
    access: "public",
    tag: "reference",
    summary: "The API reference page (Swagger UI, served from this service)",
    answers: { 200: { description: "An HTML page", contentType: "text/html; charset=utf-8" } }
  }),
  metrics: endpoint({
    method: "GET",
    path: "/metrics",
    access: "public",
    tag: "health",
    summary: "Prometheus metrics",
    answers: {
      200: { description: "Prometheus text exposition format", contentType: "text/plain; version=0.0.4" }
    }
  })
} as const satisfies Record<string, Endpoint>

export type Endpoints = typeof endpoints
export type EndpointName = keyof Endpoints

/** The names, typed: the app mounts each, the document lists each. */
export const names = Object.keys(endpoints) as ReadonlyArray<EndpointName>

/** The path with its parameters filled in, each percent-encoded as one segment. */
export const pathOf = (path: string, params: Readonly<Record<string, string>> = {}): string =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""))

/** The statuses its access, inputs and body add to an endpoint's own answers, as a rule. */
export const impliedAnswers = (e: Endpoint): Readonly<Record<number, Answer>> => ({
  ...(e.params !== undefined || e.query !== undefined || e.body !== undefined
    ? {
        400: {
          description: "The path, query or body breaks a rule (text, ticket id, integers, cursor, schema)",
          schema: ErrorBody,
          codes: e.body === undefined ? ["validation_failed"] : ["validation_failed", "invalid_json"]
        }
      }
    : {}),
  ...(e.access === "public"
    ? {}
    : {
        401: {
          description: "Not authenticated (see details.reason)",
          schema: ErrorBody,
          codes: ["unauthenticated"]
        }
      }),
  ...(e.access === "operator" || e.access === "admin"
    ? { 403: { description: "A valid JWT without the admin role", schema: ErrorBody, codes: ["forbidden"] } }
    : {}),
  ...(e.method === "POST" || e.method === "PATCH"
    ? {
        413: { description: "The body is too large", schema: ErrorBody, codes: ["payload_too_large"] },
        ...(e.body === undefined
          ? {}
          : {
              415: {
                description: "The body is not application/json",
                schema: ErrorBody,
                codes: ["unsupported_media_type"]
              }
            })
      }
    : {})
})

/** Every answer of an endpoint: its own and the implied ones. */
export const answersOf = (e: Endpoint): Readonly<Record<number, Answer>> => ({
  ...impliedAnswers(e),
  ...e.answers
})
