/**
 * The reconciliation rules: a pure judgement of one mint as the database records it against
 * what the chain shows, with the seed's reason codes and three of this service's own.
 *
 * The chain's side is the tree replica (see TreeReplica.ts): every leaf of every managed tree,
 * kept from the chain and proved against its roots. A mint is judged against the leaves that
 * belong to it (minted by a signature it issued, carrying its asset id, or naming its ticket),
 * never against the leaf the database recorded for itself; the statuses of its signatures are
 * read only where the replica holds no leaf for it. The rules only ever propose repairs the
 * chain proves: complete a mint whose leaf is on chain, requeue one whose blockhash provably
 * expired unseen, mark missing a completed mint none of whose signatures landed and whose
 * ticket has no leaf. They never mint, and never touch a ticket with two leaves.
 */
import { Schema } from "effect"
import type { ChainErrorReason } from "./ChainError.ts"
import { claimedMinted, claimedStatus } from "./LegacyImport.ts"
import type { Mint } from "./Mint.ts"
import { rebuild } from "./Rebuild.ts"
import type { ReplicaLeaf } from "./ReplicaLeaf.ts"

export const ReasonCode = Schema.Literals([
  "success",
  "mint_missing",
  "transaction_failed",
  "metadata_mismatch",
  "chain_orphaned",
  "db_orphaned",
  /** Two leaves for one ticket: a critical alert, never repaired automatically. */
  "double_mint",
  /** The replica lacks changes of a tree (a gap in sequence numbers, or a root that differs). */
  "replica_incomplete",
  /** The cluster is not the one the trees were made on, or a managed tree is gone: no repair. */
  "chain_reset",
  /**
   * An imported mint (from the old service) the chain neither proves nor refutes: a signature
   * that landed in a tree this service does not manage, or no signature at all.
   */
  "import_unproven"
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
  /** The tree a replica or cluster finding is about. */
  tree: Schema.optionalKey(Schema.String),
  details: Schema.String
}) {}

/**
 * What keeps a finding the same finding from one pass to the next: its reason and its subject
 * (the mint, else the leaf, else the tree).
 */
export const findingKey = (f: Finding): string =>
  `${f.reasonCode}:${f.mintId ?? f.assetId ?? f.signature ?? f.tree ?? f.ticketId ?? "-"}`

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
  /** Leaves of the proved replica that belong to the mint (by signature, asset id or ticket). */
  readonly leaves: ReadonlyArray<ReplicaLeaf>
  /**
   * The status of the mint's signatures where the pass read them: its live signature while in
   * flight, and every signature when the replica holds no leaf for it. Empty when not read.
   */
  readonly signatures: ReadonlyArray<SignatureObservation>
  /** The cluster's block height when the statuses were read. */
  readonly blockHeight: number
  /**
   * Trees an operator declared lost (the cluster was reset): a mint recorded in one has no leaf
   * the chain could still show, and its finding says so.
   */
  readonly lostTrees?: ReadonlySet<string> | undefined
}

/** The database's side: the mint, every signature it ever issued, and the data hash its metadata has. */
export interface DbObservation {
  readonly mint: Mint
  readonly expectedDataHash: string | null
  /**
   * Why the mint's metadata in the database is not valid Bubblegum metadata, when it is not (a
   * row edited by hand): no data hash can be computed for it, and it is not what was minted.
   */
  readonly invalidMetadata?: string | null | undefined
  /** Every signature the mint ever issued (its attempts and its row). */
  readonly signatures: ReadonlyArray<string>
}

const finding = (
  reasonCode: ReasonCode,
  action: RepairAction,
  details: string,
  parts: {
    mint?: Mint | undefined
    ticketId?: string | null | undefined
    signature?: string | null | undefined
    assetId?: string | null | undefined
    tree?: string | undefined
  } = {}
) =>
  // Built from values the rules already hold: parsing them again cost a pass over 10,000 mints
  // a visible share of its time.
  rebuild(Finding, {
    reasonCode,
    action,
    details,
    mintId: parts.mint?.id ?? null,
    ticketId: parts.mint?.ticketId ?? parts.ticketId ?? null,
    signature: parts.signature ?? null,
    assetId: parts.assetId ?? null,
    ...(parts.tree === undefined ? {} : { tree: parts.tree })
  })

const place = (leaf: ReplicaLeaf) => `leaf ${leaf.leafIndex} of tree ${leaf.tree}`

/** A leaf no mint accounts for: minted out of band, or its row deleted (its URI may name the ticket). */
export const orphanedLeaf = (leaf: ReplicaLeaf): Finding =>
  finding(
    "chain_orphaned",
    "flag",
    leaf.ticketId === null
      ? `${place(leaf)} belongs to no mint`
      : `${place(leaf)} belongs to no mint; its URI names ticket ${leaf.ticketId} (adopt it to restore the row)`,
    { ticketId: leaf.ticketId, signature: leaf.mintedSignature, assetId: leaf.assetId, tree: leaf.tree }
  )

/** Two or more leaves for one ticket. Nothing repairs it: an operator decides which stands. */
export const doubleMint = (ticketId: string, leaves: ReadonlyArray<ReplicaLeaf>, mint?: Mint): Finding =>
  finding(
    "double_mint",
    "flag",
    `ticket ${ticketId} has ${leaves.length} leaves: ${leaves
      .map((l) => `${l.assetId ?? "?"} (${place(l)}, minted by ${l.mintedSignature ?? "?"})`)
      .join(", ")}`,
    { mint, ticketId, assetId: leaves[0]?.assetId, signature: leaves[0]?.mintedSignature }
  )

export const replicaIncomplete = (tree: string, details: string): Finding =>
  finding("replica_incomplete", "flag", details, { tree })

export const chainReset = (details: string, tree?: string): Finding =>
  finding("chain_reset", "flag", details, { tree })

/** How the leaf differs from what the database says was minted; empty when it agrees. */
const differencesOf = (db: DbObservation, leaf: ReplicaLeaf): Array<string> => {
  const { mint } = db
  const out: Array<string> = []
  if (leaf.mintedSignature === null || !db.signatures.includes(leaf.mintedSignature)) {
    out.push(
      `the leaf was minted by ${leaf.mintedSignature ?? "an unknown signature"}, which this mint never issued`
    )
  }
  if (mint.asset !== null) {
    if (mint.asset.assetId !== leaf.assetId) {
      out.push(`asset id ${leaf.assetId} on chain, ${mint.asset.assetId} in the database`)
    }
    if (mint.asset.signature !== leaf.mintedSignature) {
      out.push(`minted by ${leaf.mintedSignature} on chain, ${mint.asset.signature} in the database`)
    }
    if (mint.asset.tree !== leaf.tree || mint.asset.leafIndex !== leaf.leafIndex) {
      out.push(
        `${place(leaf)} on chain, leaf ${mint.asset.leafIndex} of tree ${mint.asset.tree} in the database`
      )
    }
    if (mint.asset.owner !== mint.request.owner) {
      out.push(`owner ${mint.asset.owner} recorded at completion, ${mint.request.owner} requested`)
    }
  }
  if (leaf.mintedOwner !== mint.request.owner) {
    out.push(`owner ${leaf.mintedOwner} on chain, ${mint.request.owner} in the database`)
  }
  if (db.invalidMetadata != null) {
    out.push(
      `the database's metadata is not valid Bubblegum metadata (${db.invalidMetadata}), so it is not what the leaf was minted with`
    )
  }
  if (db.expectedDataHash !== null && leaf.mintedDataHash !== db.expectedDataHash) {
    out.push(`data hash ${leaf.mintedDataHash} on chain, ${db.expectedDataHash} from the database's metadata`)
  }
  return out
}

/** The tree the mint's leaf was recorded in, else the tree its last transaction aimed at. */
const treeOf = (mint: Mint): string | null => mint.asset?.tree ?? mint.transaction?.tree ?? null

const landed = (o: SignatureObservation): o is Extract<SignatureObservation, { state: "landed" }> =>
  o.state === "landed"

/**
 * Judge one mint against the proved replica. Only called when every managed tree's replica
 * was proved this pass: otherwise a missing leaf might only be a leaf not read yet.
 */
export const judge = (db: DbObservation, chain: ChainObservation): Finding => {
  const { mint } = db
  const signature = mint.asset?.signature ?? mint.transaction?.signature ?? null

  if (chain.leaves.length > 1) return doubleMint(mint.ticketId, chain.leaves, mint)
  if (mint.status === "imported") return judgeImported(db, chain)

  const leaf = chain.leaves[0]
  if (leaf !== undefined) {
    const differences = differencesOf(db, leaf)
    const parts = { mint, signature: leaf.mintedSignature, assetId: leaf.assetId }
    if (mint.status === "completed") {
      if (mint.asset === null) {
        differences.push(
          `the row records no signature or asset, although ${place(leaf)} was minted by ${leaf.mintedSignature}`
        )
      }
      return differences.length > 0
        ? finding("metadata_mismatch", "flag", differences.join("; "), parts)
        : finding("success", "none", "the leaf on chain matches the database", parts)
    }
    // Not completed, yet its leaf is on chain: complete it, but only with a leaf it minted.
    if (differences.length > 0) return finding("metadata_mismatch", "flag", differences.join("; "), parts)
    if (mint.status === "pending") {
      // Requeued, yet a signature it issued did land: the worker must not mint it again, and a
      // pending mint cannot be completed without one (the state machine wants it in flight).
      return finding(
        "metadata_mismatch",
        "flag",
        `pending, yet ${place(leaf)} was minted by its signature ${leaf.mintedSignature}`,
        parts
      )
    }
    return finding(
      "success",
      "mark_completed",
      `${place(leaf)} was minted by ${leaf.mintedSignature}; completing the mint`,
      parts
    )
  }

  // No leaf on chain for this mint, this ticket or this asset.
  const landedOk = chain.signatures.find((s) => landed(s) && s.err === null)
  const landedErr = chain.signatures.filter(landed).find((s) => s.err !== null)

  if (mint.status === "completed") {
    if (landedOk !== undefined) {
      return finding(
        "metadata_mismatch",
        "flag",
        `signature ${landedOk.signature} landed, but no managed tree holds a leaf of this mint`,
        { mint, signature: landedOk.signature, assetId: mint.asset?.assetId }
      )
    }
    if (signature === null) {
      return finding("mint_missing", "mark_missing", "completed with no signature, and no leaf on chain", {
        mint,
        assetId: mint.asset?.assetId
      })
    }
    if (landedErr !== undefined && landedErr.signature === signature) {
      return finding(
        "transaction_failed",
        "flag",
        `the completing transaction failed on chain: ${landedErr.err}`,
        {
          mint,
          signature,
          assetId: mint.asset?.assetId
        }
      )
    }
    const lostTree = treeOf(mint)
    return finding(
      "mint_missing",
      "mark_missing",
      lostTree !== null && chain.lostTrees?.has(lostTree) === true
        ? `its leaf was in tree ${lostTree}, which an operator declared lost (the chain was reset): no signature of this mint is on the current chain and no leaf of its ticket is; retry it to mint it again`
        : "no signature of this mint landed, and no leaf of its ticket is on chain",
      {
        mint,
        signature,
        assetId: mint.asset?.assetId
      }
    )
  }

  if (mint.status === "missing_on_chain") {
    return finding("mint_missing", "none", "still not on chain", { mint, signature })
  }

  const live = mint.transaction
  if (mint.status === "minting" && live !== null) {
    const seen = chain.signatures.find((s) => s.signature === live.signature)
    if (seen !== undefined && landed(seen) && seen.err !== null) {
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

/**
 * An imported mint: what the old service claimed, checked against the chain. Only a leaf of a
 * managed tree proves a mint (and completes it); a signature that landed proves a transaction,
 * not which asset it made; a claim with no signature on chain is a missing mint. Nothing but
 * the proved leaf is repaired: the rest waits for an operator (retry, or adopt).
 */
const judgeImported = (db: DbObservation, chain: ChainObservation): Finding => {
  const { mint } = db
  const claimed = claimedStatus(mint) ?? "other"
  const leaf = chain.leaves[0]
  if (leaf !== undefined) {
    const differences = differencesOf(db, leaf)
    const parts = { mint, signature: leaf.mintedSignature, assetId: leaf.assetId }
    return differences.length > 0
      ? finding("metadata_mismatch", "flag", `imported as ${claimed}; ${differences.join("; ")}`, parts)
      : finding(
          "success",
          "mark_completed",
          `imported as ${claimed}, and the chain proves it: ${place(leaf)} was minted by ${leaf.mintedSignature}`,
          parts
        )
  }
  const landedErr = chain.signatures.filter(landed).find((s) => s.err !== null)
  const landedOk = chain.signatures.filter(landed).find((s) => s.err === null)
  if (landedOk !== undefined) {
    return finding(
      "import_unproven",
      "flag",
      `imported as ${claimed}; signature ${landedOk.signature} landed at slot ${landedOk.slot}, but no tree this service manages holds its leaf: the chain does not prove which asset it made`,
      { mint, signature: landedOk.signature }
    )
  }
  if (landedErr !== undefined) {
    return finding(
      "transaction_failed",
      "flag",
      `imported as ${claimed}; its signature landed with an error: ${landedErr.err}`,
      { mint, signature: landedErr.signature }
    )
  }
  const count = db.signatures.length
  if (claimedMinted(mint)) {
    return finding(
      "mint_missing",
      "flag",
      count === 0
        ? `imported as ${claimed} with no signature, and no leaf of its ticket is on chain`
        : `imported as ${claimed}; none of its ${count} signature(s) is on chain (the old service mocked its sends) and no leaf of its ticket is`,
      { mint, signature: db.signatures[0] ?? null }
    )
  }
  return finding(
    "import_unproven",
    "flag",
    count === 0
      ? `imported as ${claimed}: never sent, nothing on chain to check; an operator retries it to mint it`
      : `imported as ${claimed}; none of its ${count} signature(s) is on chain; an operator retries it to mint it`,
    { mint, signature: db.signatures[0] ?? null }
  )
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
    chainToDb: byReason.chain_orphaned + byReason.double_mint,
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
  examined: Schema.Int,
  /**
   * Why the pass applied fewer repairs than its findings propose, or could not prove the
   * chain: a changed cluster, a missing tree, an incomplete replica, a mass repair held back.
   * Each is also logged at ERROR and counted on /metrics.
   */
  alerts: Schema.optionalKey(Schema.Array(Schema.String))
}) {}
