import { generateKeyPairSync, type KeyObject, sign } from "node:crypto"
import { PublicKey, type Transaction, type VersionedTransaction } from "@solana/web3.js"

/** A decoded JSON answer, read field by field in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: the tests assert on the shape; a type would restate it
export type Json = any

/** A raw JSON-RPC call over HTTP, for answers web3.js would turn into exceptions. */
export const rpc = async (url: string, method: string, params: unknown[] = []): Promise<Json> => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })
  })
  return response.json()
}

export const rpcBody = async (url: string, body: string): Promise<Json> => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })
  return response.json()
}

/**
 * An ed25519 signer on node:crypto. web3.js signs in JavaScript at ~2.4 ms a signature here;
 * the bulk tests need thousands.
 */
export interface FastSigner {
  readonly publicKey: PublicKey
  sign(message: Uint8Array): Uint8Array
}

export const fastSigner = (): FastSigner => {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519")
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")
  const key: KeyObject = privateKey
  return { publicKey: new PublicKey(raw), sign: (message) => new Uint8Array(sign(null, message, key)) }
}

export const signWith = (tx: Transaction, signer: FastSigner): Transaction => {
  tx.feePayer ??= signer.publicKey
  tx.addSignature(signer.publicKey, Buffer.from(signer.sign(tx.serializeMessage())))
  return tx
}

export const signVersionedWith = (tx: VersionedTransaction, signer: FastSigner): VersionedTransaction => {
  tx.addSignature(signer.publicKey, signer.sign(tx.message.serialize()))
  return tx
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export const eventually = async <A>(
  check: () => A | undefined | Promise<A | undefined>,
  timeoutMs = 5000
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error("condition not met in time")
    await sleep(10)
  }
}
