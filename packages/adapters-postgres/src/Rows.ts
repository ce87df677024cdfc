/**
 * Reading columns back into domain values. Rows come from our own schema, so a value of the
 * wrong type is a bug (a defect), not an error a caller could handle; the domain classes'
 * constructors validate what is built from them.
 */
import { DateTime } from "effect"

export type Row = Readonly<Record<string, unknown>>

const wrong = (column: string, expected: string, value: unknown): never => {
  throw new Error(`column ${column}: expected ${expected}, got ${typeof value}`)
}

export const text = (row: Row, column: string): string => {
  const value = row[column]
  return typeof value === "string" ? value : wrong(column, "text", value)
}

export const textOrNull = (row: Row, column: string): string | null =>
  row[column] === null || row[column] === undefined ? null : text(row, column)

/** int4, int8 (a bigint from the driver) or numeric text: all within JavaScript's safe integers here. */
export const int = (row: Row, column: string): number => {
  const value = row[column]
  if (typeof value === "number") return value
  if (typeof value === "bigint" || typeof value === "string") return Number(value)
  return wrong(column, "integer", value)
}

/** float8, where -Infinity and Infinity are values too. */
export const float = (row: Row, column: string): number => {
  const value = row[column]
  if (typeof value === "number") return value
  if (typeof value === "string") return Number(value)
  return wrong(column, "float8", value)
}

export const intOrNull = (row: Row, column: string): number | null =>
  row[column] === null || row[column] === undefined ? null : int(row, column)

export const bool = (row: Row, column: string): boolean => {
  const value = row[column]
  return typeof value === "boolean" ? value : wrong(column, "boolean", value)
}

export const bytes = (row: Row, column: string): Uint8Array => {
  const value = row[column]
  return value instanceof Uint8Array ? value : wrong(column, "bytea", value)
}

export const time = (row: Row, column: string): DateTime.Utc => {
  const value = row[column]
  return value instanceof Date ? DateTime.makeUnsafe(value) : wrong(column, "timestamptz", value)
}

export const timeOrNull = (row: Row, column: string): DateTime.Utc | null =>
  row[column] === null || row[column] === undefined ? null : time(row, column)

export const json = (row: Row, column: string): unknown => {
  const value = row[column]
  return typeof value === "string" ? JSON.parse(value) : value
}

export const toDate = (t: DateTime.Utc): Date => DateTime.toDateUtc(t)

export const toDateOrNull = (t: DateTime.Utc | null | undefined): Date | null =>
  t === null || t === undefined ? null : DateTime.toDateUtc(t)

/**
 * A list cursor `<epoch millis>:<id>` as this adapter hands it out, or null for anything else:
 * millis a Date can hold (not 1e20, which PostgreSQL would get as an invalid date) and an id of
 * storable ASCII.
 */
export const parseCursor = (cursor: string): { readonly at: Date; readonly id: string } | null => {
  const match = /^(0|[1-9][0-9]{0,14}):([A-Za-z0-9-]{1,64})$/.exec(cursor)
  if (match === null) return null
  const at = new Date(Number(match[1]))
  return Number.isNaN(at.getTime()) ? null : { at, id: match[2]! }
}
