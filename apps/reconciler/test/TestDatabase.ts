/** A fresh PostgreSQL database per test file, from the PostgreSQL adapter's test support. */
import { TestDatabase as Shared } from "@tickettoken/minting-postgres/testing"

export type TestDatabase = Shared.TestDatabase
export const { serverUrl, truncateAll } = Shared
export const createDatabase = () => Shared.create("reconciler")
