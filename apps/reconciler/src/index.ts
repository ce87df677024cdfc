/**
 * @tickettoken/minting-reconciler: the reconciler daemon and one-shot CLI (main.ts), and the
 * pieces tests and scripts compose themselves.
 */
export * as Cli from "./Cli.ts"
export * as Daemon from "./Daemon.ts"
export * as Database from "./Database.ts"
export { type Environment, environment } from "./Environment.ts"
export { parseInterval } from "./Interval.ts"
export * as Once from "./Once.ts"
export * as Pass from "./Pass.ts"
export * as Summary from "./Summary.ts"
