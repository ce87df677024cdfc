/**
 * A fee payer's keypair, made and funded without the Solana CLI:
 *
 *   pnpm keypair:new <file>                          a new ed25519 keypair, solana-keygen format
 *                                                    (a JSON array of 64 bytes), mode 0600; never
 *                                                    overwrites; prints the public key only
 *   pnpm keypair:fund <file> --sol N [--rpc URL]     requestAirdrop to its public key on the local
 *                                                    devnet (default SOLANA_RPC_URL, else
 *                                                    http://127.0.0.1:8899) or devnet, confirmed
 *
 * The secret never reaches stdout, stderr or an error message: only the public key and the file's
 * path are ever printed.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto"
import { closeSync, fchmodSync, openSync, readFileSync, writeSync } from "node:fs"
import { parseArgs } from "node:util"
import { Base58 } from "@tickettoken/minting-core"

const usage = `usage:
  pnpm keypair:new <file>
  pnpm keypair:fund <file> --sol <amount> [--rpc <url>]   (default SOLANA_RPC_URL, else http://127.0.0.1:8899)`

const fail = (message: string, code = 1): never => {
  process.stderr.write(`keypair: ${message}\n`)
  process.exit(code)
}

/** A new keypair: the 32-byte seed then the 32-byte public key, as solana-keygen writes them. */
const generate = (): { readonly bytes: Uint8Array; readonly address: string } => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519")
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url")
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")
  return { bytes: Uint8Array.from([...seed, ...pub]), address: Base58.encode(pub) }
}

/**
 * The public key of a keypair file, checked against its seed (a file whose halves disagree is
 * refused). Nothing of the file's content goes into a message.
 */
const publicKeyOf = (file: string): string => {
  let bytes: Array<number>
  try {
    bytes = JSON.parse(readFileSync(file, "utf8")) as Array<number>
  } catch (error) {
    const code = (error as { code?: string }).code
    return fail(code === "ENOENT" ? `${file} does not exist` : `${file} is not a JSON keypair file`)
  }
  if (
    !Array.isArray(bytes) ||
    bytes.length !== 64 ||
    !bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256)
  )
    return fail(`${file} is not a keypair file (a JSON array of 64 bytes)`)
  const seed = Buffer.from(bytes.slice(0, 32))
  const pub = Buffer.from(bytes.slice(32))
  const derived = createPublicKey(
    createPrivateKey({
      key: { kty: "OKP", crv: "Ed25519", d: seed.toString("base64url"), x: pub.toString("base64url") },
      format: "jwk"
    })
  ).export({ format: "jwk" }).x
  if (derived !== pub.toString("base64url")) return fail(`${file}: its public key does not match its secret`)
  return Base58.encode(pub)
}

const create = (file: string) => {
  let fd: number
  try {
    // O_EXCL: an existing file (a funded fee payer, perhaps) is never replaced.
    fd = openSync(file, "wx", 0o600)
  } catch (error) {
    const code = (error as { code?: string }).code
    return fail(
      code === "EEXIST"
        ? `${file} exists; refusing to overwrite it`
        : `cannot create ${file} (${code ?? "error"})`
    )
  }
  const keypair = generate()
  try {
    fchmodSync(fd, 0o600)
    writeSync(fd, JSON.stringify([...keypair.bytes]))
  } finally {
    closeSync(fd)
  }
  process.stdout.write(`${keypair.address}\n`)
}

const rpc = async <A>(url: string, method: string, params: ReadonlyArray<unknown>): Promise<A> => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })
  })
  const body = (await response.json()) as { result?: A; error?: { code: number; message: string } }
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message} (${body.error.code})`)
  return body.result as A
}

/** Scheme, host and port: a URL's path or query may carry an API key. */
const endpoint = (url: string) => {
  const u = new URL(url)
  return `${u.protocol}//${u.host}`
}

const fund = async (file: string, sol: number, url: string) => {
  const address = publicKeyOf(file)
  const lamports = Math.round(sol * 1e9)
  const where = endpoint(url)
  let signature: string
  try {
    signature = await rpc<string>(url, "requestAirdrop", [address, lamports])
  } catch (error) {
    return fail(
      `the airdrop of ${sol} SOL to ${address} at ${where} was refused: ${error instanceof Error ? error.message : String(error)}` +
        " (devnet gives at most a few SOL per request and rate-limits them; mainnet has no faucet)"
    )
  }
  const deadline = Date.now() + 60_000
  for (;;) {
    const statuses = await rpc<{ value: Array<{ confirmationStatus?: string; err: unknown } | null> }>(
      url,
      "getSignatureStatuses",
      [[signature], { searchTransactionHistory: true }]
    )
    const status = statuses.value[0]
    if (status?.err !== null && status?.err !== undefined)
      return fail(`the airdrop ${signature} failed: ${JSON.stringify(status.err)}`)
    if (status?.confirmationStatus === "confirmed" || status?.confirmationStatus === "finalized") break
    if (Date.now() > deadline) return fail(`the airdrop ${signature} was not confirmed within 60 s`)
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  const balance = await rpc<{ value: number }>(url, "getBalance", [address, { commitment: "confirmed" }])
  process.stdout.write(
    `${address}: airdropped ${sol} SOL at ${where} (${signature}); balance ${balance.value / 1e9} SOL\n`
  )
}

const main = async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { sol: { type: "string" }, rpc: { type: "string" }, help: { type: "boolean", short: "h" } }
  })
  const [command, file, ...rest] = positionals
  if (values.help === true) {
    process.stdout.write(`${usage}\n`)
    return
  }
  if (file === undefined || rest.length > 0) return fail(usage, 2)
  if (command === "new") return create(file)
  if (command === "fund") {
    const sol = Number(values.sol)
    if (values.sol === undefined || !Number.isFinite(sol) || sol <= 0)
      return fail(`--sol N is required (N > 0)\n${usage}`, 2)
    const url = values.rpc ?? process.env.SOLANA_RPC_URL ?? "http://127.0.0.1:8899"
    return fund(file, sol, url)
  }
  return fail(usage, 2)
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)))
