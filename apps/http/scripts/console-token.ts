/**
 * Prints an admin JWT for the operator console's sign-in (and the operator routes' Bearer
 * scheme), signed HS256 with JWT_SECRET, else the embedded start's DATA_DIR/jwt-secret; with
 * JWT_AUDIENCE / JWT_ISSUER as `aud` / `iss` when set. For operators who hold the secret; where
 * the platform issues its own admin tokens, use those.
 *
 * Usage: pnpm --silent console:token [--sub <name>] [--ttl <minutes>]   (default: $USER, 60)
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { sign } from "hono/jwt"

const { values } = parseArgs({
  options: { sub: { type: "string" }, ttl: { type: "string", default: "60" } }
})
const minutes = Number(values.ttl)
if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60) {
  console.error("console:token: --ttl is a whole number of minutes, 1 to 1440")
  process.exit(2)
}
const readEmbedded = () => {
  const path = join(process.env.DATA_DIR ?? ".data", "jwt-secret")
  try {
    return readFileSync(path, "utf8").trim()
  } catch {
    console.error(
      `console:token: JWT_SECRET is not set and ${path} does not exist (start the service once with pnpm start)`
    )
    process.exit(2)
  }
}
const secret = process.env.JWT_SECRET?.trim() || readEmbedded()
const now = Math.floor(Date.now() / 1000)
const token = await sign(
  {
    sub: values.sub ?? process.env.USER ?? "operator",
    role: "admin",
    iat: now,
    exp: now + minutes * 60,
    ...(process.env.JWT_AUDIENCE ? { aud: process.env.JWT_AUDIENCE } : {}),
    ...(process.env.JWT_ISSUER ? { iss: process.env.JWT_ISSUER } : {})
  },
  secret,
  "HS256"
)
process.stdout.write(`${token}\n`)
