/**
 * The OpenAPI 3.1 document, generated from the API's one definition (core/client Api): its
 * paths, parameters, bodies, every status each operation answers, examples and links, with
 * the JSON Schemas of the very schemas that validate requests and shape responses.
 */
import {
  Api,
  BatchMintRequest,
  BatchMintResponse,
  ErrorBody,
  InternalAuth,
  MintList,
  MintRequest,
  MintView,
  ReportList,
  ReportView
} from "@tickettoken/minting-core/client"
import { Schema } from "effect"

/** Schemas that become named components; any other is written inline. */
const named = new Map<Schema.Top, string>([
  [MintRequest, "MintRequest"],
  [BatchMintRequest, "BatchMintRequest"],
  [BatchMintResponse, "BatchMintResponse"],
  [MintView, "Mint"],
  [MintList, "MintList"],
  [ReportView, "ReconciliationReport"],
  [ReportList, "ReconciliationReportList"],
  [ErrorBody, "Error"],
  [Api.Health, "Health"],
  [Api.HealthDb, "HealthDb"],
  [Api.HealthChain, "HealthChain"],
  [Api.MetadataDocument, "MetadataDocument"]
])

type Json = Record<string, unknown>

/** A component name OpenAPI accepts (^[a-zA-Z0-9._-]+$): `@scope/pkg/CreatorEncoded` -> `Creator`. */
const componentName = (definition: string) =>
  (definition.split("/").pop() ?? definition).replace(/Encoded$/, "").replace(/[^a-zA-Z0-9._-]/g, "_")

const unescapePointer = (token: string) => token.replaceAll("~1", "/").replaceAll("~0", "~")

/** Rewrites `#/$defs/x` references to `#/components/schemas/<renamed x>`. */
const rewrite = (value: unknown, rename: (definition: string) => string): unknown => {
  if (Array.isArray(value)) return value.map((item) => rewrite(item, rename))
  if (value === null || typeof value !== "object") return value
  const out: Json = {}
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      key === "$ref" && typeof item === "string" && item.startsWith("#/$defs/")
        ? `#/components/schemas/${rename(unescapePointer(item.slice("#/$defs/".length)))}`
        : rewrite(item, rename)
  }
  return out
}

const makeComponents = () => {
  const components: Record<string, unknown> = {}
  /** The JSON Schema of `schema` (a reference when it is named), its definitions added to the components. */
  const jsonSchema = (schema: Schema.Top): Json => {
    const doc = Schema.toJsonSchemaDocument(schema, { onExcessProperty: "error" })
    const name = named.get(schema)
    const top = doc.schema as Json
    const onlyRef =
      Object.keys(top).length === 1 && typeof top.$ref === "string" && top.$ref.startsWith("#/$defs/")
        ? unescapePointer(top.$ref.slice("#/$defs/".length))
        : null
    // A named schema that is just a reference to its class's definition takes that definition's place.
    const rename = (definition: string) =>
      name !== undefined && definition === onlyRef ? name : componentName(definition)
    for (const [definition, body] of Object.entries(doc.definitions)) {
      components[rename(definition)] = rewrite(body, rename)
    }
    if (name === undefined) return rewrite(top, rename) as Json
    if (onlyRef === null) components[name] = rewrite(top, rename)
    return { $ref: `#/components/schemas/${name}` }
  }
  return { components, jsonSchema }
}

const errorExample = (code: string) => ({ error: { code, message: `an error with code ${code}` } })

export const document = () => {
  const { components, jsonSchema } = makeComponents()

  const parameters = (schema: Schema.Top | undefined, location: "path" | "query") => {
    if (schema === undefined) return []
    const struct = jsonSchema(schema) as { properties?: Record<string, Json>; required?: Array<string> }
    return Object.entries(struct.properties ?? {}).map(([name, fieldSchema]) => ({
      name,
      in: location,
      required: location === "path" || (struct.required ?? []).includes(name),
      schema: fieldSchema
    }))
  }

  const response = (answer: Api.Answer, links: Json | undefined) => {
    const contentType = answer.contentType ?? "application/json"
    const examples =
      answer.example !== undefined
        ? { example: answer.example }
        : answer.codes !== undefined
          ? {
              examples: Object.fromEntries(answer.codes.map((code) => [code, { value: errorExample(code) }]))
            }
          : {}
    return {
      description: answer.description,
      content: {
        [contentType]: {
          schema:
            answer.schema === undefined
              ? contentType.startsWith("application/json")
                ? { type: "object" }
                : { type: "string" }
              : jsonSchema(answer.schema),
          ...examples
        }
      },
      ...(links === undefined ? {} : { links })
    }
  }

  const operation = (name: Api.EndpointName) => {
    const e: Api.Endpoint = Api.endpoints[name]
    const answers = Api.answersOf(e)
    const links =
      e.links === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(e.links).map(([linkName, link]) => [
              linkName,
              { operationId: link.operation, parameters: link.parameters }
            ])
          )
    return {
      operationId: name,
      summary: e.summary,
      ...(e.description === undefined ? {} : { description: e.description }),
      tags: [e.tag],
      security:
        e.access === "public"
          ? []
          : e.access === "internal"
            ? [{ internalHmac: [] }]
            : e.access === "admin"
              ? [{ platformJwt: [] }]
              : [{ internalHmac: [] }, { platformJwt: [] }],
      parameters: [...parameters(e.params, "path"), ...parameters(e.query, "query")],
      ...(e.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: jsonSchema(e.body),
                  ...(e.bodyExample === undefined ? {} : { example: e.bodyExample })
                }
              }
            }
          }),
      responses: Object.fromEntries(
        Object.entries(answers).map(([status, answer]) => [
          status,
          response(answer, Number(status) >= 200 && Number(status) < 300 ? links : undefined)
        ])
      )
    }
  }

  const paths: Record<string, Record<string, unknown>> = {}
  for (const name of Api.names) {
    const e = Api.endpoints[name]
    paths[e.path] = { ...paths[e.path], [e.method.toLowerCase()]: operation(name) }
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "TicketToken minting service",
      version: "0.1.0",
      description: [
        "Turns sold tickets into Bubblegum compressed NFTs, exactly once per ticket.",
        `Internal routes are signed with HMAC-SHA256: ${InternalAuth.headers.timestamp} (unix seconds, within ±${InternalAuth.windowSeconds} s), ${InternalAuth.headers.nonce} (8-128 printable ASCII, never reused), ${InternalAuth.headers.signature} = hex HMAC(secret, METHOD\\ntarget\\ntimestamp\\nnonce\\nhex SHA-256(body)), where target is the path and query exactly as sent on the wire.`,
        "Errors are {error: {code, message, details}} with a stable code. A method a path does not declare answers 405 with Allow."
      ].join("\n\n")
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "mints", description: "Mint intake and lookups (internal)" },
      { name: "operations", description: "Retries and reconciliation" },
      {
        name: "collections",
        description: "Collections and their NFTs on chain (created and changed with an admin JWT)"
      },
      { name: "public", description: "What the chain's metadata URIs point at" },
      { name: "health", description: "Health and metrics" },
      { name: "reference", description: "This document and its reference page" }
    ],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        internalHmac: {
          type: "apiKey",
          in: "header",
          name: InternalAuth.headers.signature,
          description: `With ${InternalAuth.headers.timestamp} and ${InternalAuth.headers.nonce}; see the description above.`
        },
        platformJwt: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "HS256, exp required, role admin (or roles containing admin); aud/iss when configured."
        }
      }
    }
  }
}
