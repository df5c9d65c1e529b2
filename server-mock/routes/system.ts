import type { FastifyInstance } from 'fastify'
import type { Ctx } from '../context'
import { route } from './route'

export function systemRoutes(app: FastifyInstance, ctx: Ctx): void {
  route(app, ctx, 'getHealth', () => ({
    status: 200,
    body: { status: 'ok', time: ctx.nowIso(), origin: ctx.origin, apiVersion: '1' }
  }))
}
