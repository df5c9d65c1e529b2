// Registers a fastify route for an OpenAPI operation, validating the request against the YAML.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Ctx } from '../context'
import { validateRequest, type Operation } from '../openapi'

export interface HandlerInput<B = unknown, Q = Record<string, unknown>, P = Record<string, string>> {
  body: B
  query: Q
  params: P
  request: FastifyRequest
  reply: FastifyReply
}

export interface HandlerResult {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

declare module 'fastify' {
  interface FastifyRequest {
    operation?: Operation
  }
}

export type Handler<B, Q, P> = (input: HandlerInput<B, Q, P>) => HandlerResult | Promise<HandlerResult>

export function route<B = unknown, Q = Record<string, unknown>, P = Record<string, string>>(
  app: FastifyInstance,
  ctx: Ctx,
  operationId: string,
  handler: Handler<B, Q, P>,
  opts: { bodyLimit?: number } = {}
): void {
  const op = ctx.spec.operations.get(operationId)
  if (!op) throw new Error(`operation ${operationId} is not in openapi.yaml`)
  app.route({
    method: op.method,
    url: op.url,
    ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
    onRequest: async (request) => {
      request.operation = op
    },
    handler: async (request, reply) => {
      const v = validateRequest(ctx.spec, op, { params: request.params, query: request.query, body: request.body })
      const result = await handler({ body: v.body as B, query: v.query as Q, params: v.params as P, request, reply })
      for (const [k, val] of Object.entries(result.headers ?? {})) reply.header(k, val)
      reply.code(result.status)
      if (result.body === undefined) return reply.send()
      return reply.send(result.body)
    }
  })
}
