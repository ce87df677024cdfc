/**
 * pnpm migrate:legacy [--apply] [--legacy-schema public] [--batch 200] [--json]
 *
 * Imports the old minting service's tables (nft_mints, mints, nfts, collections,
 * reconciliation_reports, wherever they exist) into the service's schema. A dry run unless
 * --apply; idempotent and resumable (run it again: it adds only what is missing). The old tables
 * are only read. Imported mints wait in the `imported` status: run a reconciliation pass next
 * (`pnpm reconcile --once`) to see what the chain proves of them.
 *
 * Database: DATABASE_URL or DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD, DB_SCHEMA (minting).
 */
import { parseArgs } from "node:util"
import { Cause, Effect } from "effect"
import * as LegacyImport from "../src/LegacyImport.ts"
import * as PostgresDatabase from "../src/PostgresDatabase.ts"

const usage = `Usage: pnpm migrate:legacy [--apply] [--legacy-schema public] [--batch 200] [--json]

  (no --apply)      a dry run: reads the old tables and reports what an import would write
  --apply           write (idempotent: a second run adds nothing; a run cut short resumes)
  --legacy-schema   where the old service's tables are (default public)
  --batch N         tickets per transaction (default 200)
  --json            print the report as JSON

Database: DATABASE_URL, or DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD; DB_SCHEMA (minting).`

let values: { apply: boolean; "legacy-schema": string; batch: string; json: boolean; help: boolean }
try {
  values = parseArgs({
    args: process.argv.slice(2),
    options: {
      apply: { type: "boolean", default: false },
      "legacy-schema": { type: "string", default: "public" },
      batch: { type: "string", default: "200" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    }
  }).values as typeof values
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`)
  process.exit(2)
}
if (values.help) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}
const batch = Number(values.batch)
if (!Number.isSafeInteger(batch) || batch < 1) {
  process.stderr.write(`--batch must be a whole number above 0\n`)
  process.exit(2)
}
if (process.env.DATABASE_URL === undefined && process.env.DB_HOST === undefined) {
  process.stderr.write("migrate:legacy needs the platform's PostgreSQL: set DATABASE_URL (or DB_HOST...)\n")
  process.exit(2)
}

const summary = (r: LegacyImport.ImportReport) => {
  const tables = Object.entries(r.sourceRows)
    .map(([t, n]) => `  ${t.padEnd(24)} ${n === null ? "absent" : `${n} rows`}`)
    .join("\n")
  const verb = r.apply ? "imported" : "would import"
  return [
    r.apply ? "Legacy import (applied)" : "Legacy import: DRY RUN (nothing written; --apply writes)",
    `Old tables in schema ${r.legacySchema}:`,
    tables,
    `Tickets: ${r.tickets} (${Object.entries(r.byClaimedStatus)
      .map(([s, n]) => `${s} ${n}`)
      .join(", ")} as the old service recorded them)`,
    `Signatures: ${r.signatures} real, ${r.notSignatures} recorded values that are no signature (mocked)`,
    `Owners unknown: ${r.ownersUnknown}`,
    `Mints: ${verb} ${r.apply ? r.mints.created : r.mints.toCreate}; already there ${r.mints.present}`,
    `Collections: ${verb} ${r.apply ? r.collections.created : r.collections.toCreate}; already there ${r.collections.present}`,
    `Evidence rows: ${verb} ${r.apply ? r.evidence.created : r.evidence.toCreate}; already there ${r.evidence.present}`,
    ...(r.refused.length === 0
      ? []
      : [`Refused (${r.refused.length}):`, ...r.refused.map((x) => `  ${x.source}: ${x.reason}`)]),
    "",
    "Imported mints are `imported`, not completed: run `pnpm reconcile --once` to see what the chain proves."
  ].join("\n")
}

const program = Effect.gen(function* () {
  const options = yield* PostgresDatabase.config
  return yield* LegacyImport.run({
    apply: values.apply,
    legacySchema: values["legacy-schema"],
    batchSize: batch
  }).pipe(Effect.provide(PostgresDatabase.layer({ ...options, maxConnections: 2 })))
})

const exit = await Effect.runPromiseExit(program)
if (exit._tag === "Failure") {
  process.stderr.write(`migrate:legacy failed: ${Cause.pretty(exit.cause)}\n`)
  process.exit(1)
}
process.stdout.write(`${values.json ? JSON.stringify(exit.value, null, 2) : summary(exit.value)}\n`)
