/** The mints and mint_attempts tables, column by column. */
import {
  Attempt,
  type AttemptOutcome,
  Lease,
  Mint,
  MintedAsset,
  MintFailure,
  MintRequest,
  type MintStatus,
  rebuild,
  SignedTransaction
} from "@tickettoken/minting-core"
import { Schema } from "effect"
import * as R from "./Rows.ts"

const RequestJson = Schema.toCodecJson(MintRequest)
const encodeRequest = Schema.encodeSync(RequestJson)
const decodeRequest = Schema.decodeUnknownSync(RequestJson)

// What a row holds was checked when it was written (base58 keys, lengths): reading it back only
// rebuilds the values (`rebuild`, no parser). Checking every key again was the largest cost of a
// claim, and parsing every mint's structure a large part of a reconciliation pass.
const trusted = { disableChecks: true } as const

/** Every column the service writes for a mint, in one fixed order. */
export const mintColumns = [
  "id",
  "ticket_id",
  "request",
  "event_id",
  "order_id",
  "owner",
  "collection_id",
  "metadata_uri",
  "status",
  "attempts",
  "max_attempts",
  "next_attempt_at",
  "lease_owner",
  "lease_expires_at",
  "tx_signature",
  "tx_last_valid_block_height",
  "tx_wire",
  "tx_tree",
  "tx_data_hash",
  "tx_signed_at",
  "asset_id",
  "asset_tree",
  "leaf_index",
  "asset_signature",
  "asset_slot",
  "asset_owner",
  "asset_data_hash",
  "error_code",
  "error_message",
  "error_retryable",
  "version",
  "created_at",
  "updated_at",
  "completed_at"
] as const

export type MintColumn = (typeof mintColumns)[number]

/** Each column's SQL type, for statements that pass a column as an array (batch writes). */
export const mintColumnTypes: Record<MintColumn, string> = {
  id: "text",
  ticket_id: "text",
  request: "jsonb",
  event_id: "text",
  order_id: "text",
  owner: "text",
  collection_id: "text",
  metadata_uri: "text",
  status: "text",
  attempts: "integer",
  max_attempts: "integer",
  next_attempt_at: "timestamptz",
  lease_owner: "text",
  lease_expires_at: "timestamptz",
  tx_signature: "text",
  tx_last_valid_block_height: "bigint",
  tx_wire: "bytea",
  tx_tree: "text",
  tx_data_hash: "text",
  tx_signed_at: "timestamptz",
  asset_id: "text",
  asset_tree: "text",
  leaf_index: "integer",
  asset_signature: "text",
  asset_slot: "bigint",
  asset_owner: "text",
  asset_data_hash: "text",
  error_code: "text",
  error_message: "text",
  error_retryable: "boolean",
  version: "integer",
  created_at: "timestamptz",
  updated_at: "timestamptz",
  completed_at: "timestamptz"
}

/** Column values of a mint, as the driver binds them (JSON as text, so jsonb parses it). */
export const mintValues = (mint: Mint): Record<MintColumn, unknown> => {
  const tx = mint.transaction
  const asset = mint.asset
  const failure = mint.failure
  return {
    id: mint.id,
    ticket_id: mint.ticketId,
    request: JSON.stringify(encodeRequest(mint.request)),
    event_id: mint.request.eventId,
    order_id: mint.request.orderId,
    owner: mint.request.owner,
    collection_id: mint.request.collectionId ?? null,
    metadata_uri: mint.metadataUri,
    status: mint.status,
    attempts: mint.attempts,
    max_attempts: mint.maxAttempts,
    next_attempt_at: R.toDateOrNull(mint.nextAttemptAt),
    lease_owner: mint.lease?.owner ?? null,
    lease_expires_at: R.toDateOrNull(mint.lease?.expiresAt),
    tx_signature: tx?.signature ?? null,
    tx_last_valid_block_height: tx?.lastValidBlockHeight ?? null,
    tx_wire: tx?.wire ?? null,
    tx_tree: tx?.tree ?? null,
    tx_data_hash: tx?.dataHash ?? null,
    tx_signed_at: R.toDateOrNull(tx?.signedAt),
    asset_id: asset?.assetId ?? null,
    asset_tree: asset?.tree ?? null,
    leaf_index: asset?.leafIndex ?? null,
    asset_signature: asset?.signature ?? null,
    asset_slot: asset?.slot ?? null,
    asset_owner: asset?.owner ?? null,
    asset_data_hash: asset?.dataHash ?? null,
    error_code: failure?.code ?? null,
    error_message: failure?.message ?? null,
    error_retryable: failure?.retryable ?? null,
    version: mint.version,
    created_at: R.toDate(mint.createdAt),
    updated_at: R.toDate(mint.updatedAt),
    completed_at: R.toDateOrNull(mint.completedAt)
  }
}

/** Mints whose request column did not decode (an edited row), read from the row's columns instead. */
const requestsFromColumns = new WeakSet<Mint>()
/** Whether this mint's request was read from its row's columns: its request column is not a request. */
export const requestFromColumns = (mint: Mint): boolean => requestsFromColumns.has(mint)

/**
 * The request as the row keeps it. A request column edited into something else is read from
 * the columns written beside it (ticket, order, event, owner, collection), without metadata,
 * so the mint stays readable: one such row would otherwise fail every page it is on, and every
 * reconciliation pass with it.
 */
const requestOf = (row: R.Row): { readonly request: MintRequest; readonly fromColumns: boolean } => {
  try {
    return { request: decodeRequest(R.json(row, "request"), trusted), fromColumns: false }
  } catch {
    const collectionId = R.textOrNull(row, "collection_id")
    const request = rebuild(MintRequest, {
      ticketId: R.text(row, "ticket_id"),
      orderId: R.text(row, "order_id"),
      eventId: R.text(row, "event_id"),
      owner: R.text(row, "owner"),
      ...(collectionId === null ? {} : { collectionId })
    })
    return { request, fromColumns: true }
  }
}

export const toMint = (row: R.Row): Mint => {
  const { request, fromColumns } = requestOf(row)
  const mint = toMintWith(row, request)
  if (fromColumns) requestsFromColumns.add(mint)
  return mint
}

const toMintWith = (row: R.Row, request: MintRequest): Mint => {
  const leaseOwner = R.textOrNull(row, "lease_owner")
  const signature = R.textOrNull(row, "tx_signature")
  const assetId = R.textOrNull(row, "asset_id")
  const errorCode = R.textOrNull(row, "error_code")
  return rebuild(Mint, {
    id: R.text(row, "id"),
    ticketId: R.text(row, "ticket_id"),
    request,
    metadataUri: R.text(row, "metadata_uri"),
    status: R.text(row, "status") as MintStatus,
    attempts: R.int(row, "attempts"),
    maxAttempts: R.int(row, "max_attempts"),
    nextAttemptAt: R.timeOrNull(row, "next_attempt_at"),
    lease:
      leaseOwner === null
        ? null
        : rebuild(Lease, { owner: leaseOwner, expiresAt: R.time(row, "lease_expires_at") }),
    transaction:
      signature === null
        ? null
        : rebuild(SignedTransaction, {
            signature,
            lastValidBlockHeight: R.int(row, "tx_last_valid_block_height"),
            wire: R.bytes(row, "tx_wire"),
            tree: R.text(row, "tx_tree"),
            dataHash: R.text(row, "tx_data_hash"),
            signedAt: R.time(row, "tx_signed_at")
          }),
    // A row edited by hand may lack part of its asset: read it as no asset rather than fail,
    // so the reconciler can report the row instead of stopping at it.
    asset:
      assetId === null ||
      ["asset_tree", "leaf_index", "asset_signature", "asset_slot", "asset_owner", "asset_data_hash"].some(
        (column) => row[column] === null || row[column] === undefined
      )
        ? null
        : rebuild(MintedAsset, {
            assetId,
            tree: R.text(row, "asset_tree"),
            leafIndex: R.int(row, "leaf_index"),
            signature: R.text(row, "asset_signature"),
            slot: R.int(row, "asset_slot"),
            owner: R.text(row, "asset_owner"),
            dataHash: R.text(row, "asset_data_hash")
          }),
    failure:
      errorCode === null
        ? null
        : rebuild(MintFailure, {
            code: errorCode,
            message: R.text(row, "error_message"),
            retryable: R.bool(row, "error_retryable")
          }),
    version: R.int(row, "version"),
    createdAt: R.time(row, "created_at"),
    updatedAt: R.time(row, "updated_at"),
    completedAt: R.timeOrNull(row, "completed_at")
  })
}

export const toAttempt = (row: R.Row): Attempt =>
  rebuild(Attempt, {
    mintId: R.text(row, "mint_id"),
    signature: R.text(row, "signature"),
    attempt: R.int(row, "attempt"),
    lastValidBlockHeight: R.int(row, "last_valid_block_height"),
    wire: R.bytes(row, "wire"),
    tree: R.text(row, "tree"),
    outcome: R.text(row, "outcome") as AttemptOutcome,
    createdAt: R.time(row, "created_at"),
    settledAt: R.timeOrNull(row, "settled_at")
  })
