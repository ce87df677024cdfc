/** `pnpm reconcile adopt <assetId> ...`: a ticket's row restored from its leaf (core's adoptLeaf). */
import { adoptLeaf, TicketMetadataInput } from "@tickettoken/minting-core"
import { toView } from "@tickettoken/minting-core/client"
import { Console, Effect, Schema } from "effect"
import type { AdoptCommand } from "./Cli.ts"
import { ExitCode } from "./Once.ts"

export const runAdopt = (command: AdoptCommand) =>
  Effect.gen(function* () {
    const metadata =
      command.metadata === undefined
        ? undefined
        : yield* Schema.decodeUnknownEffect(TicketMetadataInput)(command.metadata)
    const mint = yield* adoptLeaf({
      assetId: command.assetId,
      orderId: command.orderId,
      eventId: command.eventId,
      collectionId: command.collectionId,
      metadata
    })
    yield* Console.log(JSON.stringify(toView(mint), null, 2))
    return ExitCode.done as number
  }).pipe(
    Effect.catchTags({
      AdoptRefused: (refused) =>
        Effect.as(Console.error(`adopt refused: ${refused.message}`), ExitCode.problemsFound as number),
      SchemaError: (error) =>
        Effect.as(Console.error(`--metadata: ${error.message}`), ExitCode.usage as number)
    })
  )
