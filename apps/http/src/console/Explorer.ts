/**
 * Links to the public Solana explorer, for the clusters it shows: mainnet-beta, devnet and
 * testnet, told apart by genesis hash (a URL says nothing reliable: hosted RPCs hide the
 * cluster's name). A local devnet or the simulated chain has no public explorer: no link.
 */

const clusters: Readonly<Record<string, "mainnet-beta" | "devnet" | "testnet">> = {
  "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d": "mainnet-beta",
  EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG: "devnet",
  "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY": "testnet"
}

export type Cluster = "mainnet-beta" | "devnet" | "testnet" | "local"

export const clusterOf = (genesisHash: string | null | undefined): Cluster =>
  (genesisHash === null || genesisHash === undefined ? undefined : clusters[genesisHash]) ?? "local"

const base58 = /^[1-9A-HJ-NP-Za-km-z]{32,100}$/

/** The explorer's page for a transaction or an address (an asset id is one); null off the public clusters. */
export const explorerUrl = (cluster: Cluster, kind: "tx" | "address", value: string): string | null => {
  if (cluster === "local" || !base58.test(value)) return null
  const query = cluster === "mainnet-beta" ? "" : `?cluster=${cluster}`
  return `https://explorer.solana.com/${kind}/${value}${query}`
}
