/**
 * @tickettoken/minting-service-kit (private): what apps/http and apps/reconciler compose the same
 * way. Only apps import it (the boundary check says so): it wires adapters together.
 */
export * as ChainChoice from "./ChainChoice.ts"
export * as DatabaseChoice from "./DatabaseChoice.ts"
export * as Deployment from "./Deployment.ts"
export * as Keypairs from "./Keypairs.ts"
export * as Logging from "./Logging.ts"
export * as Net from "./Net.ts"
export * as ProcessCpu from "./ProcessCpu.ts"
export * as Redaction from "./Redaction.ts"
export * as Run from "./Run.ts"
export * as Script from "./Script.ts"
