/** Every repository port's contract against the real PostgreSQL server, in a database of its own. */

import { afterAll } from "@effect/vitest"
import { RepositoryContracts } from "@tickettoken/minting-core/testing/contracts"
import { client, createDatabase, freshRepositories } from "./TestDatabase.ts"

const database = await createDatabase()
afterAll(() => database.drop())

const layer = freshRepositories(client(database.url, 8))

RepositoryContracts.suite("postgresql", layer)
