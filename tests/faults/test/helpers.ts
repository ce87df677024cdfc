import { expect } from "vitest"
import type { AuditResult } from "../src/Audit.ts"
import { programsCached } from "../src/Stack.ts"

/** Every fault test needs the real Bubblegum programs; globalSetup says once when they are missing. */
export const withPrograms = programsCached()

/**
 * The count every case ends with: accepted = completed + failed, nothing lost, no ticket with
 * two leaves, no leaf nobody accounts for, every completed mint's leaf on chain, and a second
 * signature only where the first provably expired unseen (or landed with an error).
 */
export const expectExactlyOnce = (audit: AuditResult, expected: { readonly failed?: number } = {}) => {
  const summary = JSON.stringify(
    { ...audit, resigns: audit.resigns.filter((r) => !r.justified) },
    null,
    1
  ).slice(0, 4_000)
  expect(audit.accepted, summary).toBe(audit.completed + audit.failed)
  expect(audit.failed, summary).toBe(expected.failed ?? 0)
  expect(audit.lost, summary).toBe(0)
  expect(audit.doubleMints, summary).toEqual([])
  expect(audit.orphanLeaves, summary).toEqual([])
  expect(audit.leaves, summary).toBe(audit.completed)
  expect(audit.treeMinted, summary).toBe(audit.completed)
  expect(
    audit.resigns.filter((r) => !r.justified),
    summary
  ).toEqual([])
}
