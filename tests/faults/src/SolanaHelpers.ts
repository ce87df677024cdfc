/**
 * getExplorerLink and airdropIfRequired from @solana-developers/helpers, typed here: the package's
 * index.d.ts re-exports `./lib/...` without file extensions, which TypeScript's NodeNext resolution
 * does not follow, so its exports look missing although the module provides them at run time.
 */

import type { Connection, PublicKey } from "@solana/web3.js"
import * as helpers from "@solana-developers/helpers"

export type ExplorerCluster = "mainnet-beta" | "devnet" | "testnet" | "localnet"

const typed = helpers as unknown as {
  readonly getExplorerLink: (
    linkType: "transaction" | "address" | "block",
    id: string,
    cluster?: ExplorerCluster
  ) => string
  readonly airdropIfRequired: (
    connection: Connection,
    publicKey: PublicKey,
    airdropAmount: number,
    minimumBalance: number
  ) => Promise<number>
}

export const getExplorerLink = typed.getExplorerLink
/** Airdrops `airdropAmount` when the balance is below `minimumBalance`; the balance after, in lamports. */
export const airdropIfRequired = typed.airdropIfRequired
