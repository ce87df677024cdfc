/**
 * The effective configuration as one log line, with every secret left out: Redacted values
 * print as `<redacted>` (lists of them as their count), URLs lose their credentials, path and
 * query (RPC providers put API keys in both).
 */
import { Option, Redacted } from "effect"

export const hidden = "<redacted>"

/** scheme://host:port, then `/<redacted>` for a path and `?<redacted>` for a query. */
export const redactUrl = (value: string): string => {
  try {
    const url = new URL(value)
    const path = url.pathname !== "/" && url.pathname !== "" ? `/${hidden}` : ""
    const query = url.search !== "" ? `?${hidden}` : ""
    const credentials = url.username !== "" || url.password !== "" ? `${hidden}@` : ""
    return `${url.protocol}//${credentials}${url.host}${path}${query}`
  } catch {
    return hidden
  }
}

const redactValue = (key: string, value: unknown, urls: ReadonlySet<string>): unknown => {
  if (Redacted.isRedacted(value)) {
    return urls.has(key) ? redactUrl(Redacted.value(value as Redacted.Redacted<string>)) : hidden
  }
  if (Option.isOption(value)) return Option.isSome(value) ? redactValue(key, value.value, urls) : null
  if (Array.isArray(value)) {
    return value.some((item) => Redacted.isRedacted(item))
      ? `${hidden} (${value.length})`
      : value.map((item) => redactValue(key, item, urls))
  }
  if (typeof value === "string" && urls.has(key)) return redactUrl(value)
  if (typeof value === "object" && value !== null) return describe(value as Record<string, unknown>, urls)
  return value
}

/**
 * The settings as plain JSON: Redacted -> `<redacted>` (or the URL without its secrets for the
 * keys named in `urls`), Option -> its value or null.
 */
export const describe = (
  settings: Record<string, unknown>,
  urls: ReadonlySet<string> = new Set(["solanaRpcUrl", "rpcUrl", "databaseUrl", "url", "rabbitmqUrl"])
): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(settings)) out[key] = redactValue(key, value, urls)
  return out
}
