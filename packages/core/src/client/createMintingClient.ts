/**
 * The minting API for services that do not use Effect: every method returns a Promise of plain
 * objects, and every refusal rejects with `MintingApiError` (the API's `code` and HTTP `status`).
 *
 * It is the Effect client (`MintingClient.make`) run on Web Crypto, so requests are encoded,
 * signed and decoded by exactly the same code; nothing here knows the signing rule.
 */
import { Effect, Layer, Redacted, Schedule, Schema } from "effect"
import { Digest, Mac, SecureRandom } from "effect/crypto"
import { MintRequest } from "../MintRequest.ts"
import {
  type AssetProofView,
  type BatchMintResponse,
  type CollectionView,
  CreateCollectionRequest,
  type MintList,
  type MintView,
  UpdateCollectionRequest
} from "./ApiSchemas.ts"
import { MintingApiError, make } from "./MintingClient.ts"

/** A mint request as JSON: `ticketId`, `orderId`, `eventId`, `owner`, optional `collectionId`, `metadata`. */
export type MintRequestInput = typeof MintRequest.Encoded
type Mint = MintView
/** A ticket's asset proof, base58 throughout. */
export type AssetProof = typeof AssetProofView.Type
type MintStatus = MintView["status"]
export type BatchResult = (typeof BatchMintResponse.Type)["results"][number]
export type MintPage = typeof MintList.Type
/** A collection to create: `id` (yours: a retry with it creates nothing new), `name`, `symbol`, `maxSupply`, optional `metadata`. */
export type CreateCollectionInput = typeof CreateCollectionRequest.Encoded
export type UpdateCollectionInput = typeof UpdateCollectionRequest.Encoded
export type { CollectionView }

export interface MintListFilter {
  readonly status?: MintStatus
  readonly eventId?: string
  readonly owner?: string
  /** Page size, 1 to 500. */
  readonly limit?: number
}

export interface CreateMintingClientOptions {
  readonly baseUrl: string
  /** One of the API's `INTERNAL_AUTH_SECRETS`. */
  readonly secret: string
  /** A platform admin JWT: needed only to create or change collections. */
  readonly operatorToken?: string
  /** Defaults to the global fetch. */
  readonly fetch?: typeof globalThis.fetch
  /** Retries after a network error (the request never got an answer); default 3. */
  readonly retries?: number
}

export interface PlainMintingClient {
  /** Accepts a mint; the same request again returns the mint already accepted. */
  readonly requestMint: (request: MintRequestInput) => Promise<Mint>
  /** Up to 500 requests; one result per ticket (`accepted`, `existing` or `refused`). */
  readonly requestMints: (requests: ReadonlyArray<MintRequestInput>) => Promise<ReadonlyArray<BatchResult>>
  readonly getMint: (ticketId: string) => Promise<Mint>
  /** Every mint matching the filter, page after page. */
  readonly listMints: (params?: MintListFilter) => AsyncIterableIterator<Mint>
  /** Operator: retries a `failed` or `missing_on_chain` mint. */
  readonly retryMint: (ticketId: string) => Promise<Mint>
  /**
   * The ticket's asset proof (root, proof path, leaf, index, hashes, nonce), from the service's
   * tree replica and checked against the chain's root: enough for mpl-bubblegum's `transfer` or
   * `burn` without a DAS provider.
   */
  readonly getProof: (ticketId: string) => Promise<AssetProof>
  /**
   * Polls until the mint is `completed`, `failed` or `missing_on_chain` and returns it; rejects
   * with `MintingApiError` code `timeout` after `timeoutMs` (default 60 s).
   */
  /**
   * Admin (operatorToken): creates a collection and its NFT on chain. Safe to repeat: the same
   * id and values answer the collection already created, or finish a creation in flight
   * (`status: "creating"` until its NFT has landed).
   */
  readonly createCollection: (input: CreateCollectionInput) => Promise<CollectionView>
  readonly listCollections: () => Promise<ReadonlyArray<CollectionView>>
  readonly getCollection: (id: string) => Promise<CollectionView>
  /** Admin (operatorToken): max supply (never below the current supply) and metadata. */
  readonly updateCollection: (id: string, changes: UpdateCollectionInput) => Promise<CollectionView>
  readonly waitForMint: (
    ticketId: string,
    options?: { readonly timeoutMs?: number; readonly intervalMs?: number }
  ) => Promise<Mint>
}

export { MintingApiError }

const crypto = Layer.mergeAll(
  Digest.layerWebCrypto,
  Mac.layerWebCrypto.pipe(Layer.provide(SecureRandom.layerWebCrypto))
)

const settled: ReadonlySet<MintStatus> = new Set(["completed", "failed", "missing_on_chain", "imported"])

export const createMintingClient = (options: CreateMintingClientOptions): PlainMintingClient => {
  const client = make({
    baseUrl: options.baseUrl,
    secret: Redacted.make(options.secret),
    ...(options.operatorToken === undefined ? {} : { operatorToken: Redacted.make(options.operatorToken) }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch })
  })
  // Only a request that got no answer is retried, signed afresh each time. Every call below is
  // safe to repeat: intake is idempotent per ticket and the rest are reads.
  const retry = Schedule.exponential("100 millis").pipe(Schedule.jittered)
  const run = <A>(effect: Effect.Effect<A, MintingApiError, Mac.Mac | Digest.Digest>): Promise<A> =>
    Effect.runPromise(
      effect.pipe(
        Effect.retry({
          schedule: retry,
          times: options.retries ?? 3,
          while: (error) => error.code === "unreachable"
        }),
        Effect.provide(crypto)
      )
    )
  const decodeRequest = Schema.decodeUnknownEffect(MintRequest)
  const toRequest = (input: MintRequestInput) =>
    decodeRequest(input).pipe(
      Effect.mapError(
        (error) => new MintingApiError({ status: 0, code: "invalid_request", message: error.message })
      )
    )

  const getMint = (ticketId: string) => run(client.getMint(ticketId))
  const decodeWith =
    <S extends typeof CreateCollectionRequest | typeof UpdateCollectionRequest>(schema: S) =>
    (input: unknown) =>
      Schema.decodeUnknownEffect(schema)(input).pipe(
        Effect.mapError(
          (error) => new MintingApiError({ status: 0, code: "invalid_request", message: error.message })
        )
      ) as Effect.Effect<S["Type"], MintingApiError>

  return {
    requestMint: (request) => run(Effect.flatMap(toRequest(request), client.requestMint)),
    requestMints: (requests) =>
      run(
        Effect.forEach(requests, toRequest).pipe(
          Effect.flatMap(client.requestMints),
          Effect.map((response) => response.results)
        )
      ),
    getMint,
    getProof: (ticketId) => run(client.getProof(ticketId)),
    createCollection: (input) =>
      run(Effect.flatMap(decodeWith(CreateCollectionRequest)(input), client.createCollection)),
    listCollections: () => run(Effect.map(client.listCollections(), (list) => list.items)),
    getCollection: (id) => run(client.getCollection(id)),
    // Setting a max supply or metadata twice leaves what once did: safe to retry.
    updateCollection: (id, changes) =>
      run(
        Effect.flatMap(decodeWith(UpdateCollectionRequest)(changes), (c) => client.updateCollection(id, c))
      ),
    listMints: async function* (params = {}) {
      let cursor: string | undefined
      do {
        const page: MintPage = await run(
          client.listMints({ ...params, ...(cursor === undefined ? {} : { cursor }) })
        )
        yield* page.items
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
    },
    // Not retried: a retry whose answer was lost has already moved the mint on, and a second
    // one would be refused.
    retryMint: (ticketId) => Effect.runPromise(client.retryMint(ticketId).pipe(Effect.provide(crypto))),
    waitForMint: async (ticketId, { timeoutMs = 60_000, intervalMs = 500 } = {}) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const mint = await getMint(ticketId)
        if (settled.has(mint.status)) return mint
        const left = deadline - Date.now()
        if (left <= 0) {
          throw new MintingApiError({
            status: 0,
            code: "timeout",
            message: `mint of ticket ${ticketId} still ${mint.status} after ${timeoutMs} ms`
          })
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)))
      }
    }
  }
}
