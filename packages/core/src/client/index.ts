/**
 * @tickettoken/minting-core/client: the API's one definition (`Api`), its schemas, a typed
 * HMAC-signing client on Effect (`MintingClient`), and the same client with Promises and plain
 * objects (`createMintingClient`).
 */
export * as Api from "./Api.ts"
export * from "./ApiSchemas.ts"
export {
  type AssetProof,
  type BatchResult,
  type CreateCollectionInput,
  type CreateMintingClientOptions,
  createMintingClient,
  type MintListFilter,
  type MintPage,
  type MintRequestInput,
  type PlainMintingClient,
  type UpdateCollectionInput
} from "./createMintingClient.ts"
export * as InternalAuth from "./InternalAuth.ts"
export { Unauthenticated } from "./InternalAuth.ts"
export * as MintingClient from "./MintingClient.ts"
export { MintingApiError } from "./MintingClient.ts"
