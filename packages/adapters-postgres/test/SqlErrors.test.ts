/** SqlError reasons onto RepositoryError reasons, and what the configuration lets out. */
import { assert, describe, it } from "@effect/vitest"
import { RepositoryError } from "@tickettoken/minting-core"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import {
  ConnectionError,
  ConstraintError,
  DeadlockError,
  SerializationError,
  SqlError,
  SqlSyntaxError,
  UniqueViolation,
  UnknownError
} from "effect/sql/SqlError"
import { config, describeTarget, layerConfig } from "../src/PostgresDatabase.ts"
import { fromSqlError } from "../src/SqlErrors.ts"

const pgCause = (code: string, message: string, constraint?: string) =>
  Object.assign(new Error(message), { code, message, constraint })

const reasonOf = (error: SqlError) => {
  const mapped = fromSqlError(error)
  return mapped === "defect" ? "defect" : mapped.reason._tag
}

describe("fromSqlError", () => {
  it("maps connection loss, shutdown and timeouts to Unavailable", () => {
    const props = { message: "PgConnection: Query failed", operation: "query" }
    assert.strictEqual(
      reasonOf(new SqlError({ reason: new ConnectionError({ cause: new Error("x"), ...props }) })),
      "Unavailable"
    )
    for (const code of ["57P01", "57P03", "53300", "08006", "57014"]) {
      const error = new SqlError({
        reason: new UnknownError({ cause: pgCause(code, "going away"), ...props })
      })
      assert.strictEqual(reasonOf(error), "Unavailable", code)
    }
    const socket = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })
    assert.strictEqual(
      reasonOf(new SqlError({ reason: new UnknownError({ cause: socket, ...props }) })),
      "Unavailable"
    )
  })

  it("maps deadlocks and serialization failures to Contention", () => {
    const props = { cause: pgCause("40P01", "deadlock detected"), message: "m", operation: "query" }
    assert.strictEqual(reasonOf(new SqlError({ reason: new DeadlockError(props) })), "Contention")
    assert.strictEqual(reasonOf(new SqlError({ reason: new SerializationError(props) })), "Contention")
  })

  it("maps unique and check violations to ConstraintViolated with the constraint's name", () => {
    const unique = fromSqlError(
      new SqlError({
        reason: new UniqueViolation({
          cause: pgCause("23505", "duplicate key value violates unique constraint", "mints_pkey"),
          message: "m",
          operation: "query",
          constraint: "mints_pkey"
        })
      })
    )
    if (!(unique instanceof RepositoryError) || unique.reason._tag !== "ConstraintViolated") {
      return assert.fail(`expected ConstraintViolated, got ${String(unique)}`)
    }
    assert.strictEqual(unique.reason.constraint, "mints_pkey")
    assert.include(unique.reason.message, "duplicate key")
    const check = fromSqlError(
      new SqlError({
        reason: new ConstraintError({
          cause: pgCause("23514", "new row violates check constraint", "max_supply"),
          message: "m",
          operation: "query"
        })
      })
    )
    assert.isTrue(check !== "defect" && check.reason._tag === "ConstraintViolated")
  })

  it("treats our own bad SQL, and values the driver cannot encode, as defects", () => {
    const codec = new SqlError({
      reason: new UnknownError({
        cause: new Error("Cannot infer the type"),
        message: "m",
        operation: "query"
      })
    })
    assert.strictEqual(reasonOf(codec), "defect")
    const error = new SqlError({
      reason: new SqlSyntaxError({
        cause: pgCause("42601", "syntax error"),
        message: "m",
        operation: "query"
      })
    })
    assert.strictEqual(reasonOf(error), "defect")
  })
})

const env = (values: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnvRecord(values))

describe("configuration", () => {
  it.effect("reads DATABASE_URL, or the seed's DB_* variables, and DB_POOL_MAX", () =>
    Effect.gen(function* () {
      const fromUrl = yield* config.pipe(
        Effect.provide(
          env({ DATABASE_URL: "postgres://app:s3cret-pw@db.internal:6543/minting", DB_POOL_MAX: "4" })
        )
      )
      assert.strictEqual(fromUrl.maxConnections, 4)
      assert.strictEqual(describeTarget(fromUrl), "db.internal:6543/minting")
      const fromParts = yield* config.pipe(
        Effect.provide(
          env({
            DB_HOST: "pg",
            DB_PORT: "5433",
            DB_NAME: "tickets",
            DB_USER: "minter",
            DB_PASSWORD: "s3cret-pw"
          })
        )
      )
      assert.strictEqual(describeTarget(fromParts), "pg:5433/tickets")
      assert.strictEqual(fromParts.username, "minter")
      assert.isTrue(Redacted.isRedacted(fromParts.password))
      assert.notInclude(String(fromParts.password), "s3cret")
      assert.notInclude(JSON.stringify(fromParts), "s3cret")
      const defaults = yield* config.pipe(Effect.provide(env({})))
      assert.strictEqual(describeTarget(defaults), "localhost:5432/tickettoken_db")
      assert.strictEqual(defaults.maxConnections, 10)
    })
  )

  it.live("a database that cannot be reached fails start-up without showing the password", () =>
    Effect.gen(function* () {
      const layer = layerConfig.pipe(
        Layer.provide(env({ DATABASE_URL: "postgres://app:s3cret-pw@127.0.0.1:1/minting" }))
      )
      const error = yield* Effect.flip(Layer.build(layer).pipe(Effect.scoped))
      assert.notInclude(String(error), "s3cret")
      assert.notInclude(JSON.stringify(error), "s3cret")
    })
  )
})
