/** Every repository port's contract against PGlite, reached over its socket like a server. */
import { afterAll } from "@effect/vitest"
import { RepositoryContracts } from "@tickettoken/minting-core/testing/contracts"
import { client, freshRepositories, startPglite } from "./TestDatabase.ts"

const pglite = await startPglite()
afterAll(() => pglite.stop())

const layer = freshRepositories(client(pglite.url, 1))

RepositoryContracts.suite("pglite", layer)
