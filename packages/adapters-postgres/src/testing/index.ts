/** @tickettoken/minting-postgres/testing: test support for this package's users. */
export * as DisposableServer from "./DisposableServer.ts"
export * as LegacySeed from "./LegacySeed.ts"
export * as TestDatabase from "./TestDatabase.ts"
