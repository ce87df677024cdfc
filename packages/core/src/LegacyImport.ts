/**
 * What the old minting service left, in this service's terms. The old service mocked its chain
 * calls (a random "mint address", a signature made of `mock-sig-<time>`), so nothing it says
 * is trusted: every ticket it knew becomes one mint in the `imported` status, remembering what
 * the old service claimed, and the reconciler's next pass says what the chain proves of it.
 *
 * Pure: the adapters read the old rows and write the mints; the mapping and its words live here.
 */
import { type Mint, MintFailure } from "./Mint.ts"

/** The old service's statuses (nft_mints and the knex `mints` model), and anything else it wrote. */
export type LegacyStatus = "pending" | "minting" | "completed" | "failed" | "missing_on_chain" | "other"

export const legacyStatus = (text: string | null | undefined): LegacyStatus => {
  const value = (text ?? "").trim().toLowerCase()
  switch (value) {
    case "pending":
    case "minting":
    case "completed":
    case "failed":
    case "missing_on_chain":
      return value
    case "minted":
    case "success":
      return "completed"
    default:
      return "other"
  }
}

/**
 * The owner an imported mint records when the old tables do not say (the old service kept no
 * owner): the System Program, which no one can sign for. Such a mint is never retried as is.
 */
export const unknownOwner = "11111111111111111111111111111111"

export const ownerUnknown = (mint: Mint): boolean => mint.request.owner === unknownOwner

const prefix = "imported_"

/** The failure an imported mint carries: what the old service claimed, for people and for `judge`. */
export const importedFailure = (claimed: LegacyStatus, note: string): MintFailure =>
  new MintFailure({
    code: `${prefix}${claimed}`,
    message: `imported from the old service, which recorded it as ${claimed}${note === "" ? "" : `: ${note}`}; not verified on chain`,
    retryable: false
  })

/** What the old service claimed of an imported mint; null for a mint of this service. */
export const claimedStatus = (mint: Mint): LegacyStatus | null => {
  if (mint.status !== "imported") return null
  const code = mint.failure?.code ?? ""
  return code.startsWith(prefix) ? legacyStatus(code.slice(prefix.length)) : "other"
}

/** The old service claimed it minted this ticket (so a chain without it is a missing mint). */
export const claimedMinted = (mint: Mint): boolean => {
  const claimed = claimedStatus(mint)
  return claimed === "completed" || claimed === "missing_on_chain"
}
