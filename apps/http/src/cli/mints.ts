/**
 * Mints, for operators:
 *
 *   pnpm mints retry <ticketId> [<ticketId> ...] [--apply]
 *   pnpm mints retry --status missing_on_chain|failed [--limit 1000] [--apply]
 *
 * The retry `POST /v1/mints/<ticketId>/retry` makes, for many tickets at once: after a chain
 * reset (`pnpm tree lost`) every mint of the lost tree is `missing_on_chain`, and retrying them
 * one request at a time is not an operator's job. A dry run by default: it lists what it would
 * retry. With --apply each mint goes through the same use case as the HTTP retry, one after
 * another: the chain is asked first, and a ticket whose leaf or signature is on chain after all
 * is refused (and named), never minted again. The worker then mints the retried ones.
 */
import { parseArgs } from "node:util"
import { type Mint, MintRepository, type MintStatus, retryMint } from "@tickettoken/minting-core"
import { Effect } from "effect"
import { run, say } from "./Operator.ts"

const usage = `usage:
  pnpm mints retry <ticketId> [<ticketId> ...] [--apply]
  pnpm mints retry --status missing_on_chain|failed [--limit 1000] [--apply]

A dry run unless --apply. Environment: DATABASE_URL (the service's database; or DB=embedded for
the embedded PGlite folder under DATA_DIR, with the service stopped) and SOLANA_RPC_URL (asked
whether each ticket is on chain after all; nothing is signed).`

const retryable: ReadonlyArray<MintStatus> = ["missing_on_chain", "failed"]

/** The mints in this status, oldest first by id, at most `limit`. */
const inStatus = (status: MintStatus, limit: number) =>
  Effect.gen(function* () {
    const mints = yield* MintRepository
    const out: Array<Mint> = []
    let cursor: string | undefined
    while (out.length < limit) {
      const page = yield* mints.list({ status, cursor, limit: Math.min(500, limit - out.length) })
      out.push(...page.items)
      if (page.nextCursor === null) break
      cursor = page.nextCursor
    }
    return out.map((m) => m.ticketId)
  })

const retry = (ticketIds: ReadonlyArray<string>, apply: boolean) =>
  Effect.gen(function* () {
    if (ticketIds.length === 0) {
      yield* say("nothing to retry")
      yield* say(JSON.stringify({ dryRun: !apply, candidates: 0, retried: [], refused: [] }))
      return
    }
    if (!apply) {
      for (const ticketId of ticketIds) yield* say(`would retry ${ticketId}`)
      yield* say(`${ticketIds.length} mint(s); run again with --apply to retry them`)
      yield* say(JSON.stringify({ dryRun: true, candidates: ticketIds.length, ticketIds }))
      return
    }
    const retried: Array<string> = []
    const refused: Array<{ readonly ticketId: string; readonly reason: string; readonly message: string }> =
      []
    for (const ticketId of ticketIds) {
      const outcome = yield* Effect.result(retryMint(ticketId))
      if (outcome._tag === "Success") {
        retried.push(ticketId)
        yield* say(`retried ${ticketId}: pending, the worker mints it`)
        continue
      }
      const error = outcome.failure
      if (error._tag !== "RequestRefused") return yield* Effect.fail(error)
      refused.push({ ticketId, reason: error.reason._tag, message: error.message })
      yield* say(`refused ${ticketId}: ${error.message}`)
    }
    yield* say(`${retried.length} retried, ${refused.length} refused`)
    yield* say(JSON.stringify({ dryRun: false, candidates: ticketIds.length, retried, refused }))
  })

const main = () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      status: { type: "string" },
      limit: { type: "string", default: "1000" },
      apply: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false }
    }
  })
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const [command, ...ticketIds] = positionals
  const refuse = (why: string) => {
    process.stderr.write(`mints: ${why}\n${usage}\n`)
    process.exit(2)
  }
  if (command !== "retry") return refuse(command === undefined ? "no command" : `unknown command ${command}`)
  const limit = Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1)
    return refuse(`--limit ${values.limit} is not a positive integer`)
  const status = values.status
  if (status !== undefined && ticketIds.length > 0) return refuse("name tickets or --status, not both")
  if (status === undefined && ticketIds.length === 0) return refuse("name the tickets, or --status")
  if (status !== undefined && !retryable.includes(status as MintStatus))
    return refuse(`--status ${status}: only ${retryable.join(" or ")} mints can be retried in bulk`)
  const program =
    status === undefined
      ? retry(ticketIds, values.apply)
      : Effect.flatMap(inStatus(status as MintStatus, limit), (found) => retry(found, values.apply))
  return run("mints retry", program, { chain: "read" })
}

main()
