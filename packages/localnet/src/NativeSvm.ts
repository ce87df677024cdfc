/**
 * LiteSVM's calls on the bytes the localnet already holds. LiteSVM's public methods take
 * @solana/kit values and turn them back into bytes on every call: a transaction decoded from its
 * wire bytes only to be encoded again, and each address decoded from base58 with a BigInt step a
 * digit (twice: once more to check it). For a Bubblegum mint that was 0.5 ms of the devnet's
 * 1.3 ms a mint under load. The native object beneath takes the bytes themselves; where a LiteSVM
 * version lacks it, the public methods are used as before.
 */
import type { Address, Transaction } from "@solana/kit"
import {
  FailedTransactionMetadata,
  type LiteSVM,
  SimulatedTransactionInfo,
  type TransactionMetadata
} from "litesvm"
import { fromBase58 } from "./Encoding.ts"
import type { WireTransaction } from "./WireTransaction.ts"

interface Native {
  getBalance(pubkey: Uint8Array): bigint | null
  sendLegacyTransaction(tx: Uint8Array): TransactionMetadata | FailedTransactionMetadata
  sendVersionedTransaction(tx: Uint8Array): TransactionMetadata | FailedTransactionMetadata
  simulateLegacyTransaction(tx: Uint8Array): unknown
  simulateVersionedTransaction(tx: Uint8Array): unknown
}

const methods = [
  "getBalance",
  "sendLegacyTransaction",
  "sendVersionedTransaction",
  "simulateLegacyTransaction",
  "simulateVersionedTransaction"
] as const

/** The native object under a LiteSVM, when it has every method used here. */
const nativeOf = (svm: LiteSVM): Native | undefined => {
  const inner = (svm as unknown as { readonly inner?: Record<string, unknown> }).inner
  return inner !== undefined && methods.every((m) => typeof inner[m] === "function")
    ? (inner as unknown as Native)
    : undefined
}

export interface NativeSvm {
  /** An account's lamports, or null when it does not exist. */
  balance(address: string): bigint | null
  /** Runs a transaction (signatures checked as the LiteSVM is set to). */
  send(tx: WireTransaction, kit: () => Transaction): TransactionMetadata | FailedTransactionMetadata
  simulate(tx: WireTransaction, kit: () => Transaction): ReturnType<LiteSVM["simulateTransaction"]>
}

/** `kit` decodes the transaction for LiteSVM's public methods, only when they are used. */
export const makeNativeSvm = (svm: LiteSVM): NativeSvm => {
  const native = nativeOf(svm)
  if (native === undefined) {
    return {
      balance: (address) => svm.getBalance(address as Address),
      send: (_tx, kit) => svm.sendTransaction(kit()),
      simulate: (_tx, kit) => svm.simulateTransaction(kit())
    }
  }
  return {
    balance: (address) => native.getBalance(fromBase58(address)),
    send: (tx) =>
      tx.version === "legacy"
        ? native.sendLegacyTransaction(tx.bytes)
        : native.sendVersionedTransaction(tx.bytes),
    simulate: (tx) => {
      const outcome =
        tx.version === "legacy"
          ? native.simulateLegacyTransaction(tx.bytes)
          : native.simulateVersionedTransaction(tx.bytes)
      // As LiteSVM's own method answers: a failure as it is, a success wrapped.
      return (
        outcome instanceof FailedTransactionMetadata
          ? outcome
          : new SimulatedTransactionInfo(outcome as never)
      ) as ReturnType<LiteSVM["simulateTransaction"]>
    }
  }
}
