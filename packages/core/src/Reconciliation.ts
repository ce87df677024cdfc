/**
 * The reconciliation rules: a pure judgement of one mint as the database records it against
 * what the chain shows, with the seed's reason codes. The rules only ever propose repairs the
 * chain proves: complete a mint whose signature landed, requeue one whose blockhash provably
 * expired unseen, mark a completed mint missing. They never mint.
 */
import { Schema } from "effect"
import type { ChainErrorReason } from "./ChainError.ts"
import type { Mint, MintedAsset } from "./Mint.ts"

export const ReasonCode = Schema.Literals([
  "success",
  "mint_missing",
  "transaction_failed",
  "metadata_mismatch",
  "chain_orphaned",
  "db_orphaned"
])
export type ReasonCode = typeof ReasonCode.Type
export const reasonCodes: ReadonlyArray<ReasonCode> = ReasonCode.literals

export const RepairAction = Schema.Literals(["none", "mark_completed", "requeue", "mark_missing", "flag"])
export type RepairAction = typeof RepairAction.Type

export class Finding extends Schema.Class<Finding>("@tickettoken/minting-core/Finding")({
  reasonCode: ReasonCode,
  action: RepairAction,
  mintId: Schema.NullOr(Schema.String),
  ticketId: Schema.NullOr(Schema.String),
  signature: Schema.NullOr(Schema.String),
  assetId: Schema.NullOr(Schema.String),
  details: Schema.String
}) {}

/** What the chain says of one signature. */
export type SignatureObservation =
  | { readonly signature: string; readonly state: "absent" }
  | {
      readonly signature: string
      readonly state: "landed"
      readonly slot: number
      readonly err: string | null
      /**
       * What `err` means, classified by the adapter (which can read the failed transaction's
       * logs): the worker acts on this, never on the text of `err`.
       */
      readonly reason?: ChainErrorReason | undefined
    }

/** Everything the chain told us about one mint, gathered in batches by the pass. */
export interface ChainObservation {
  /** The status of each signature the mint ever issued. */
  readonly signatures: ReadonlyArray<SignatureObservation>
  /** The leaf minted by a landed signature, if the scan or a lookup found one. */
  readonly leaf: MintedAsset | null
  /** The cluster's block height when the statuses were read. */
  readonly blockHeight: number
}

/** The database's side: the mint and the data hash its current metadata would have on chain. */
export interface DbObservation {
  readonly mint: Mint
  readonly expectedDataHash: string | null
  /** lastValidBlockHeight of every signature the mint ever issued. */
  readonly lastValidBlockHeights: ReadonlyMap<string, number>
}

const finding = (
  reasonCode: ReasonCode,
  action: RepairAction,
  details: string,
  parts: {
    mint?: Mint | undefined
    signature?: string | null | undefined
    assetId?: string | null | undefined
  } = {}
) =>
  new Finding({
    reasonCode,
    action,
    details,
    mintId: parts.mint?.id ?? null,
    ticketId: parts.mint?.ticketId ?? null,
    signature: parts.signature ?? null,
    assetId: parts.assetId ?? null
  })

/** A leaf no mint accounts for: minted out of band into a tree this service manages. */
export const orphanedLeaf = (leaf: MintedAsset): Finding =>
  finding("chain_orphaned", "flag", `leaf ${leaf.leafIndex} of tree ${leaf.tree} belongs to no mint`, {
    signature: leaf.signature,
    assetId: leaf.assetId
  })

const compareLeaf = (db: DbObservation, leaf: MintedAsset): Finding => {
  const { mint } = db
  const differences: Array<string> = []
  if (mint.asset !== null && mint.asset.assetId !== leaf.assetId) {
    differences.push(`asset id ${leaf.assetId} on chain, ${mint.asset.assetId} in the database`)
  }
  if (leaf.owner !== mint.request.owner) {
    differences.push(`owner ${leaf.owner} on chain, ${mint.request.owner} in the database`)
  }
  if (db.expectedDataHash !== null && leaf.dataHash !== db.expectedDataHash) {
    differences.push(
      `data hash ${leaf.dataHash} on chain, ${db.expectedDataHash} from the database's metadata`
    )
  }
  return differences.length > 0
    ? finding("metadata_mismatch", "flag", differences.join("; "), {
        mint,
        signature: leaf.signature,
        assetId: leaf.assetId
      })
    : finding("success", "none", "the leaf matches the database", {
        mint,
        signature: leaf.signature,
        assetId: leaf.assetId
      })
}

/**
 * Judge one mint. `chain` is null when the pass could not observe it (for example an RPC
 * failure); the mint is then left out of the report rather than judged on no evidence.
 */
export const judge = (db: DbObservation, chain: ChainObservation): Finding => {
  const { mint } = db
  const landedOk = chain.signatures.find((s) => s.state === "landed" && s.err === null)
  const landedErr = chain.signatures.find(
    (s): s is Extract<SignatureObservation, { state: "landed" }> => s.state === "landed" && s.err !== null
  )

  if (mint.status === "completed") {
    const signature = mint.asset?.signature ?? mint.transaction?.signature ?? null
    const own = chain.signatures.find((s) => s.signature === signature)
    if (own === undefined || own.state === "absent") {
      return finding("mint_missing", "mark_missing", "the completing transaction is not on chain", {
        mint,
        signature,
        assetId: mint.asset?.assetId
      })
    }
    if (own.err !== null) {
      return finding("transaction_failed", "flag", `the completing transaction failed on chain: ${own.err}`, {
        mint,
        signature,
        assetId: mint.asset?.assetId
      })
    }
    if (chain.leaf === null) {
      return finding("metadata_mismatch", "flag", "the transaction landed but minted no leaf", {
        mint,
        signature
      })
    }
    return compareLeaf(db, chain.leaf)
  }

  // In flight, failed, or missing: the chain may prove a mint the database does not know of.
  if (landedOk !== undefined && chain.leaf !== null) {
    const judged = compareLeaf(db, chain.leaf)
    if (judged.reasonCode !== "success") return judged
    return finding(
      "success",
      "mark_completed",
      `signature ${landedOk.signature} landed; completing the mint`,
      {
        mint,
        signature: landedOk.signature,
        assetId: chain.leaf.assetId
      }
    )
  }

  if (mint.status === "missing_on_chain") {
    return finding("mint_missing", "none", "still not on chain", { mint, signature: mint.asset?.signature })
  }

  const live = mint.transaction
  if (mint.status === "minting" && live !== null) {
    const seen = chain.signatures.find((s) => s.signature === live.signature)
    if (seen?.state === "landed" && seen.err !== null) {
      return finding("transaction_failed", "flag", `signature landed with an error: ${seen.err}`, {
        mint,
        signature: live.signature
      })
    }
    if ((seen === undefined || seen.state === "absent") && chain.blockHeight > live.lastValidBlockHeight) {
      return finding(
        "db_orphaned",
        "requeue",
        `signature expired unseen (block height ${chain.blockHeight} > last valid ${live.lastValidBlockHeight})`,
        { mint, signature: live.signature }
      )
    }
    return finding("success", "none", "in flight; its blockhash is still valid", {
      mint,
      signature: live.signature
    })
  }

  if (landedErr !== undefined) {
    return finding("transaction_failed", "none", `signature landed with an error: ${landedErr.err}`, {
      mint,
      signature: landedErr.signature
    })
  }
  return finding("success", "none", `${mint.status}; nothing on chain, as expected`, { mint })
}

/** The seed's report counts, derived from the findings. */
export interface ReportCounts {
  readonly dbToChain: number
  readonly chainToDb: number
  readonly mismatches: number
  readonly success: number
  readonly byReason: Readonly<Record<ReasonCode, number>>
}

export const count = (findings: ReadonlyArray<Finding>): ReportCounts => {
  const byReason = Object.fromEntries(reasonCodes.map((code) => [code, 0])) as Record<ReasonCode, number>
  for (const f of findings) byReason[f.reasonCode]++
  return {
    dbToChain: byReason.mint_missing + byReason.db_orphaned,
    chainToDb: byReason.chain_orphaned,
    mismatches: byReason.metadata_mismatch + byReason.transaction_failed,
    success: byReason.success,
    byReason
  }
}

export const ReportCountsSchema = Schema.Struct({
  dbToChain: Schema.Int,
  chainToDb: Schema.Int,
  mismatches: Schema.Int,
  success: Schema.Int,
  byReason: Schema.Record(ReasonCode, Schema.Int)
})

/** Findings worth a reader's time: anything but a plain success that needed nothing. */
export const isNotable = (finding: Finding): boolean =>
  finding.reasonCode !== "success" || finding.action !== "none"

export class ReconciliationReport extends Schema.Class<ReconciliationReport>(
  "@tickettoken/minting-core/ReconciliationReport"
)({
  id: Schema.String,
  startedAt: Schema.DateTimeUtc,
  finishedAt: Schema.DateTimeUtc,
  /** Counts over every finding of the pass. */
  counts: ReportCountsSchema,
  /** The notable findings (see `isNotable`); plain successes are only counted. */
  findings: Schema.Array(Finding),
  rpcCalls: Schema.Int,
  /** Mints and leaves examined. */
  examined: Schema.Int
}) {}
