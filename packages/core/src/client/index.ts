/** @tickettoken/minting-core/client: the API's schemas and a typed, HMAC-signing client. */
export * as Api from "./Api.ts"
export * from "./ApiSchemas.ts"
export * as InternalAuth from "./InternalAuth.ts"
export { Unauthenticated } from "./InternalAuth.ts"
export * as MintingClient from "./MintingClient.ts"
export { MintingApiError } from "./MintingClient.ts"
