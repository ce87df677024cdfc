/**
 * A typed client of the minting API for other platform services: requests are encoded with
 * the API's own schemas and signed with the internal HMAC scheme; responses are decoded, and
 * every refusal arrives as a `MintingApiError` carrying the API's stable error code.
 */
import { Effect, Random, Redacted, Schema } from "effect"
import type { Digest, Mac } from "effect/crypto"
import { Hex } from "effect/encoding"
import type { MintRequest } from "../MintRequest.ts"
import * as Api from "./Api.ts"
import {
  AssetProofView,
  BatchMintRequest,
  BatchMintResponse,
  CollectionList,
  CollectionView,
  CreateCollectionRequest,
  ErrorBody,
  FindingList,
  type ListFindingsParams,
  type ListMintsParams,
  type ListReportsParams,
  MintList,
  MintRequest as MintRequestSchema,
  MintView,
  ReportList,
  ReportView,
  UpdateCollectionRequest
} from "./ApiSchemas.ts"
import * as InternalAuth from "./InternalAuth.ts"

export class MintingApiError extends Schema.TaggedError<MintingApiError>()("MintingApiError", {
  status: Schema.Int,
  code: Schema.String,
  message: Schema.String
}) {}

export interface MintingClientOptions {
  readonly baseUrl: string
  readonly secret: Redacted.Redacted<string>
  /**
   * A platform admin JWT, for the admin endpoints (creating and changing collections), which
   * refuse the HMAC signature; every other call is signed with `secret`.
   */
  readonly operatorToken?: Redacted.Redacted<string> | undefined
  /** Defaults to the global fetch. */
  readonly fetch?: typeof globalThis.fetch
}

const utf8 = new TextEncoder()
const nonce = Effect.map(
  Effect.all(Array.from({ length: 16 }, () => Random.nextIntBetween(0, 255))),
  (bytes) => Hex.encode(Uint8Array.from(bytes))
)

export const make = (options: MintingClientOptions) => {
  const fetchFn = options.fetch ?? globalThis.fetch
  const base = options.baseUrl.replace(/\/+$/, "")

  const call = <A, I>(
    method: string,
    path: string,
    response: Schema.Codec<A, I>,
    body?: unknown,
    access: Api.Access = "internal"
  ): Effect.Effect<A, MintingApiError, Mac.Mac | Digest.Digest> =>
    Effect.gen(function* () {
      const bytes = body === undefined ? new Uint8Array() : utf8.encode(JSON.stringify(body))
      // fetch sends the WHATWG-serialised URL; the server checks the target exactly as sent,
      // so that serialised path and query is what gets signed.
      const url = new URL(base + path)
      if (access === "admin" && options.operatorToken === undefined) {
        return yield* new MintingApiError({
          status: 0,
          code: "operator_token_missing",
          message: `${method} ${url.pathname} needs an admin JWT: pass operatorToken`
        })
      }
      const signed =
        access === "admin" && options.operatorToken !== undefined
          ? { authorization: `Bearer ${Redacted.value(options.operatorToken)}` }
          : yield* InternalAuth.sign(
              options.secret,
              { method, path: url.pathname + url.search, body: bytes },
              { nonce: yield* nonce }
            ).pipe(Effect.orDie)
      const res = yield* Effect.tryPromise({
        try: (signal) =>
          fetchFn(url, {
            method,
            headers: { ...signed, ...(body === undefined ? {} : { "content-type": "application/json" }) },
            ...(body === undefined ? {} : { body: bytes }),
            signal
          }),
        catch: (e) => new MintingApiError({ status: 0, code: "unreachable", message: String(e) })
      })
      const json = yield* Effect.tryPromise({
        try: () => res.json() as Promise<unknown>,
        catch: () =>
          new MintingApiError({ status: res.status, code: "bad_response", message: "response is not JSON" })
      })
      if (!res.ok) {
        const error = Schema.decodeUnknownOption(ErrorBody)(json)
        return yield* new MintingApiError({
          status: res.status,
          code: error._tag === "Some" ? error.value.error.code : "http_error",
          message: error._tag === "Some" ? error.value.error.message : `HTTP ${res.status}`
        })
      }
      return yield* Schema.decodeUnknownEffect(response)(json).pipe(
        Effect.mapError(
          (e) => new MintingApiError({ status: res.status, code: "bad_response", message: e.message })
        )
      )
    })

  /** The path of a declared endpoint, its parameters filled in and its query encoded by its schema. */
  const target = (e: Api.Endpoint, params?: Record<string, string>, query?: Record<string, unknown>) => {
    const path = Api.pathOf(e.path, params)
    if (query === undefined || e.query === undefined) return path
    const encoded = Schema.encodeUnknownSync(e.query)(query) as Record<string, string | undefined>
    const entries = Object.entries(encoded).filter(
      (entry): entry is [string, string] => entry[1] !== undefined
    )
    return entries.length === 0 ? path : `${path}?${new URLSearchParams(entries)}`
  }
  const { endpoints } = Api

  return {
    requestMint: (request: MintRequest) =>
      call(
        endpoints.requestMint.method,
        target(endpoints.requestMint),
        MintView,
        Schema.encodeSync(MintRequestSchema)(request)
      ),
    requestMints: (requests: ReadonlyArray<MintRequest>) =>
      call(
        endpoints.requestMints.method,
        target(endpoints.requestMints),
        BatchMintResponse,
        Schema.encodeSync(BatchMintRequest)({ mints: requests })
      ),
    getMint: (ticketId: string) =>
      call(endpoints.getMint.method, target(endpoints.getMint, { ticketId }), MintView),
    listMints: (params: typeof ListMintsParams.Type = {}) =>
      call(endpoints.listMints.method, target(endpoints.listMints, {}, params), MintList),
    retryMint: (ticketId: string) =>
      call(endpoints.retryMint.method, target(endpoints.retryMint, { ticketId }), MintView),
    runReconciliation: () =>
      call(endpoints.runReconciliation.method, target(endpoints.runReconciliation), ReportView),
    getReport: (id: string) =>
      call(endpoints.getReport.method, target(endpoints.getReport, { id }), ReportView),
    listReports: (params: typeof ListReportsParams.Type = {}) =>
      call(endpoints.listReports.method, target(endpoints.listReports, {}, params), ReportList),
    /** The ticket's asset proof (from the service's tree replica), for a transfer or a burn. */
    getProof: (ticketId: string) =>
      call(endpoints.getProof.method, target(endpoints.getProof, { ticketId }), AssetProofView),
    listFindings: (params: typeof ListFindingsParams.Type = {}) =>
      call(endpoints.listFindings.method, target(endpoints.listFindings, {}, params), FindingList),
    /**
     * Creates a collection and its NFT (admin JWT). The same request again answers the collection
     * already created (or finishes a creation whose transaction had not landed): safe to retry.
     */
    createCollection: (request: typeof CreateCollectionRequest.Type) =>
      call(
        endpoints.createCollection.method,
        target(endpoints.createCollection),
        CollectionView,
        Schema.encodeSync(CreateCollectionRequest)(request),
        endpoints.createCollection.access
      ),
    listCollections: () =>
      call(endpoints.listCollections.method, target(endpoints.listCollections), CollectionList),
    getCollection: (id: string) =>
      call(endpoints.getCollection.method, target(endpoints.getCollection, { id }), CollectionView),
    /** Changes the max supply (never below the current supply) or the metadata (admin JWT). */
    updateCollection: (id: string, changes: typeof UpdateCollectionRequest.Type) =>
      call(
        endpoints.updateCollection.method,
        target(endpoints.updateCollection, { id }),
        CollectionView,
        Schema.encodeSync(UpdateCollectionRequest)(changes),
        endpoints.updateCollection.access
      )
  }
}

export type MintingClient = ReturnType<typeof make>
