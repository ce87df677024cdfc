import { Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import * as Redaction from "../src/Redaction.ts"

describe("Redaction.describe", () => {
  it("prints no secret: passwords, HMAC and JWT secrets, keypairs, RPC credentials", () => {
    const described = Redaction.describe({
      databaseUrl: Option.some(Redacted.make("postgres://minting:pg-pass-1@db.internal:5432/tickettoken_db")),
      internalSecrets: [Redacted.make("hmac-secret-1"), Redacted.make("hmac-secret-2")],
      jwtSecret: Option.some(Redacted.make("jwt-secret-1")),
      solanaKeypair: Option.some(Redacted.make("[1,2,3]")),
      solanaRpcUrl: Option.some(
        Redacted.make("https://user:rpc-pass@rpc.example.com/v2/key-in-path?api-key=key-in-query")
      ),
      rabbitmqUrl: "amqp://guest:mq-pass@mq:5672/vhost",
      port: 3000,
      publicBaseUrl: Option.some("https://mint.example"),
      jwtAudience: Option.none()
    })
    const text = JSON.stringify(described)
    for (const secret of [
      "pg-pass-1",
      "hmac-secret",
      "jwt-secret-1",
      "[1,2,3]",
      "rpc-pass",
      "key-in-path",
      "key-in-query",
      "mq-pass"
    ]) {
      expect(text).not.toContain(secret)
    }
    expect(described).toMatchObject({
      databaseUrl: "postgres://<redacted>@db.internal:5432/<redacted>",
      internalSecrets: "<redacted> (2)",
      jwtSecret: "<redacted>",
      solanaKeypair: "<redacted>",
      solanaRpcUrl: "https://<redacted>@rpc.example.com/<redacted>?<redacted>",
      port: 3000,
      publicBaseUrl: "https://mint.example",
      jwtAudience: null
    })
    expect(Redaction.redactUrl("https://api.devnet.solana.com")).toBe("https://api.devnet.solana.com")
  })
})
