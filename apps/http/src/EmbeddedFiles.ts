/**
 * What the embedded start keeps under the data folder (git-ignored, folder 0700, files 0600):
 * the generated internal and JWT secrets and the local fee payer. Neither is ever printed or logged: the
 * start-up output names the file to read the secret from.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Base58 } from "@tickettoken/minting-core"

const write = (path: string, text: string) => writeFileSync(path, text, { mode: 0o600 })

/** The data folder, 0700: created so, and tightened when it already existed more open. */
export const ensureDir = (dir: string) => {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
}

/** The embedded internal secret: read, or generated on first start. */
export const internalSecret = (dataDir: string) => secretFile(dataDir, "internal-secret")

/**
 * The embedded JWT secret for operators (the console's sign-in, the operator routes), when
 * JWT_SECRET is not set: read, or generated on first start. `pnpm console:token` signs with it.
 */
export const jwtSecret = (dataDir: string) => secretFile(dataDir, "jwt-secret")

const secretFile = (
  dataDir: string,
  name: string
): { readonly secret: string; readonly generated: boolean; readonly path: string } => {
  ensureDir(dataDir)
  const path = join(dataDir, name)
  if (existsSync(path)) {
    chmodSync(path, 0o600)
    return { secret: readFileSync(path, "utf8").trim(), generated: false, path }
  }
  const secret = randomBytes(32).toString("hex")
  write(path, `${secret}\n`)
  return { secret, generated: true, path }
}

/** A new ed25519 keypair in the solana-keygen format: a JSON array of the 32-byte seed and public key. */
export const newKeypairJson = (): string => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519")
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url")
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")
  return JSON.stringify([...seed, ...pub])
}

/** A fee-payer keypair file in the solana-keygen format (a JSON array of 64 bytes): read or generated. */
export const feePayer = (dataDir: string): { readonly path: string; readonly address: string } => {
  ensureDir(dataDir)
  const path = join(dataDir, "fee-payer.json")
  if (!existsSync(path)) write(path, newKeypairJson())
  else chmodSync(path, 0o600)
  const bytes = JSON.parse(readFileSync(path, "utf8")) as Array<number>
  return { path, address: Base58.encode(Uint8Array.from(bytes.slice(32))) }
}
