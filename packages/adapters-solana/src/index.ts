/**
 * @tickettoken/minting-solana: the ChainGateway on Solana (Bubblegum v1 compressed NFTs via umi and
 * mpl-bubblegum), its configuration, and the pieces scripts and tests use on their own.
 */
export * from "./BubblegumGateway.ts"
export * as BubblegumMetadata from "./BubblegumMetadata.ts"
export * as HolderActions from "./HolderActions.ts"
export * from "./Keypair.ts"
export * as LeafEvents from "./LeafEvents.ts"
export * as RpcErrors from "./RpcErrors.ts"
export * from "./SolanaClient.ts"
export * from "./SolanaConfig.ts"
export { type RpcCallCount, RpcCallCounter } from "./SolanaRpc.ts"
export { ACCOUNT_COMPRESSION_PROGRAM } from "./TreeAccount.ts"
export * from "./TreeCost.ts"
