/** The OpenAPI 3.1 document, generated from the same schemas that validate requests. */
import {
  BatchMintRequest,
  BatchMintResponse,
  ErrorBody,
  MintList,
  MintRequest,
  MintView,
  ReportList,
  ReportView
} from "@tickettoken/minting-core/client"
import { Schema } from "effect"

const schemas = {
  MintRequest,
  BatchMintRequest,
  BatchMintResponse,
  MintView,
  MintList,
  ReportView,
  ReportList,
  ErrorBody
}

const components = () => {
  const out: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(schemas)) {
    const doc = Schema.toJsonSchemaDocument(schema as Schema.Top, { onExcessProperty: "error" })
    Object.assign(out, doc.definitions)
    out[name] = doc.schema
  }
  return JSON.parse(JSON.stringify(out).replaceAll("#/$defs/", "#/components/schemas/"))
}

const ref = (name: keyof typeof schemas) => ({ $ref: `#/components/schemas/${name}` })
const json = (name: keyof typeof schemas, description: string) => ({
  description,
  content: { "application/json": { schema: ref(name) } }
})
const errors = {
  "400": json("ErrorBody", "Invalid JSON or a body that does not match the schema"),
  "401": json("ErrorBody", "Not authenticated"),
  "503": json("ErrorBody", "Database or chain unavailable")
}
const internal = [{ internalHmac: [] }]
const operator = [{ internalHmac: [] }, { platformJwt: [] }]

export const document = () => ({
  openapi: "3.1.0",
  info: {
    title: "TicketToken minting service",
    version: "0.1.0",
    description:
      "Turns sold tickets into Bubblegum compressed NFTs, exactly once per ticket. Internal routes are signed with HMAC-SHA256: x-tt-timestamp (unix seconds, ±300 s), x-tt-nonce (never reused), x-tt-signature = hex HMAC(secret, METHOD\\npath?query\\ntimestamp\\nnonce\\nhex SHA-256(body))."
  },
  components: {
    schemas: components(),
    securitySchemes: {
      internalHmac: { type: "apiKey", in: "header", name: "x-tt-signature" },
      platformJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT (HS256, role admin)" }
    }
  },
  paths: {
    "/v1/mints": {
      post: {
        summary: "Request the mint of one ticket (idempotent per ticket)",
        security: internal,
        requestBody: { required: true, content: { "application/json": { schema: ref("MintRequest") } } },
        responses: {
          "202": json("MintView", "Accepted"),
          "200": json("MintView", "The same request was already accepted"),
          "409": json("ErrorBody", "The ticket has a mint requested with a different body"),
          "422": json("ErrorBody", "Metadata breaks Bubblegum's limits, or an unknown collection"),
          ...errors
        }
      },
      get: {
        summary: "List mints, newest first (filters: status, eventId, owner; cursor paging)",
        security: internal,
        parameters: ["status", "eventId", "owner", "cursor", "limit"].map((name) => ({
          name,
          in: "query",
          required: false,
          schema: { type: "string" }
        })),
        responses: { "200": json("MintList", "A page of mints"), ...errors }
      }
    },
    "/v1/mints/batch": {
      post: {
        summary: "Request the mints of up to 500 tickets; each is judged on its own",
        security: internal,
        requestBody: { required: true, content: { "application/json": { schema: ref("BatchMintRequest") } } },
        responses: { "200": json("BatchMintResponse", "Per-ticket results"), ...errors }
      }
    },
    "/v1/mints/{ticketId}": {
      get: {
        summary: "One ticket's mint",
        security: internal,
        parameters: [{ name: "ticketId", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": json("MintView", "The mint"),
          "404": json("ErrorBody", "No mint for the ticket"),
          ...errors
        }
      }
    },
    "/v1/mints/{ticketId}/retry": {
      post: {
        summary: "Operator: retry a failed or missing_on_chain mint",
        security: operator,
        parameters: [{ name: "ticketId", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "202": json("MintView", "Requeued"),
          "409": json("ErrorBody", "Not retryable in its state"),
          ...errors
        }
      }
    },
    "/v1/reconciliations": {
      post: {
        summary: "Operator: run a reconciliation pass now",
        security: operator,
        responses: { "201": json("ReportView", "The pass's report"), ...errors }
      },
      get: {
        summary: "Reconciliation reports, newest first",
        security: internal,
        responses: { "200": json("ReportList", "Reports"), ...errors }
      }
    },
    "/v1/reconciliations/{id}": {
      get: {
        summary: "One report with its findings",
        security: internal,
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": json("ReportView", "The report"),
          "404": json("ErrorBody", "No such report"),
          ...errors
        }
      }
    },
    "/metadata/{ticketId}": {
      get: {
        summary: "Public Metaplex JSON of a ticket (the URI on chain)",
        parameters: [{ name: "ticketId", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": { description: "Metaplex metadata JSON" },
          "404": json("ErrorBody", "Unknown ticket")
        }
      }
    },
    "/health": { get: { summary: "Liveness", responses: { "200": { description: "ok" } } } },
    "/health/db": {
      get: {
        summary: "Database",
        responses: { "200": { description: "ok" }, "503": { description: "down" } }
      }
    },
    "/health/chain": {
      get: { summary: "Chain, fee payer, active tree", responses: { "200": { description: "ok" } } }
    },
    "/metrics": {
      get: { summary: "Prometheus metrics", responses: { "200": { description: "text/plain" } } }
    }
  }
})

/** A small self-contained page listing the API from the document (no assets from elsewhere). */
export const page = `<!doctype html><html><head><meta charset="utf-8"><title>TicketToken minting API</title>
<style>body{font:14px system-ui;margin:2rem;max-width:60rem}code{background:#eee;padding:0 .2rem}section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f6f6f6;padding:.5rem;overflow:auto}</style></head>
<body><h1>TicketToken minting API</h1><p>The full document: <a href="/openapi.json">/openapi.json</a></p><div id="api"></div>
<script>fetch("/openapi.json").then(r=>r.json()).then(doc=>{const root=document.getElementById("api");
const p=document.createElement("p");p.textContent=doc.info.description;root.append(p);
for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops)){const s=document.createElement("section");
const h=document.createElement("h3");h.textContent=method.toUpperCase()+" "+path;const d=document.createElement("p");d.textContent=op.summary;
const pre=document.createElement("pre");pre.textContent=JSON.stringify({security:op.security,requestBody:op.requestBody,responses:Object.keys(op.responses)},null,2);
s.append(h,d,pre);root.append(s)}})</script></body></html>`
