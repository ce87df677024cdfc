// requestAirdrop as solana-test-validator does it: a funded faucet account sends an ordinary
// signed System transfer, so an airdrop has a real signature, status, fee and getTransaction
// record, and web3.js can confirm it like any other transaction.
import type { Address } from "@solana/kit"
import { Keypair, PublicKey, SystemProgram, Transaction } from "@solana/web3.js"
import type { LiteSVM } from "litesvm"
import type { SlotClock } from "./SlotClock.ts"
import type { SendResult, TransactionProcessor } from "./TransactionProcessor.ts"

const SYSTEM_PROGRAM = "11111111111111111111111111111111"

export class Faucet {
  readonly keypair = Keypair.generate()
  private readonly clock: SlotClock
  private readonly processor: TransactionProcessor

  constructor(svm: LiteSVM, clock: SlotClock, processor: TransactionProcessor, lamports: bigint) {
    this.clock = clock
    this.processor = processor
    setBalance(svm, this.address, lamports)
  }

  get address(): string {
    return this.keypair.publicKey.toBase58()
  }

  airdrop(to: string, lamports: bigint): SendResult {
    const tx = new Transaction({
      feePayer: this.keypair.publicKey,
      recentBlockhash: this.clock.latestBlockhash("processed").blockhash
    }).add(
      SystemProgram.transfer({ fromPubkey: this.keypair.publicKey, toPubkey: new PublicKey(to), lamports })
    )
    tx.sign(this.keypair)
    // Like the test validator's faucet, it submits and lets the transaction land or fail.
    return this.processor.send(this.processor.parse(tx.serialize()), { skipPreflight: true })
  }
}

/** Sets an account's balance directly, keeping its data and owner; creates a system account if absent. */
export const setBalance = (svm: LiteSVM, address: string, lamports: bigint): void => {
  const existing = svm.getAccount(address as Address)
  svm.setAccount(
    existing.exists
      ? { ...existing, lamports: lamports as typeof existing.lamports }
      : {
          address: address as Address,
          lamports: lamports as never,
          programAddress: SYSTEM_PROGRAM as Address,
          data: new Uint8Array(),
          executable: false,
          space: 0n
        }
  )
}
