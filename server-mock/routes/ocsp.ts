// POST /ocsp — RFC 6960 responder for the test PKI (binary in, binary out; not JSON).
import type { FastifyInstance } from 'fastify'
import type { Ctx } from '../context'
import { errorResponse, OCSP_STATUS, respond, type OcspResponder } from '../ocsp'

export function ocspRoutes(app: FastifyInstance, ctx: Ctx, responder: OcspResponder | null): void {
  const op = ctx.spec.operations.get('ocsp')
  if (!op) throw new Error('operation ocsp is not in openapi.yaml')
  app.addContentTypeParser(
    'application/ocsp-request',
    { parseAs: 'buffer', bodyLimit: 16 * 1024 },
    (_req, body, done) => done(null, body)
  )
  app.route({
    method: op.method,
    url: op.url,
    onRequest: async (request) => {
      request.operation = op
    },
    handler: async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : null
      const der = body ? respond(responder, ctx.trust, body, ctx.now()) : errorResponse(OCSP_STATUS.malformedRequest)
      return reply.code(200).header('content-type', 'application/ocsp-response').send(der)
    }
  })
}
