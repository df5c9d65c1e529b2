import axios, { AxiosHeaders, type AxiosAdapter, type AxiosResponse } from 'axios'
import { netError, type NetRequest, type Transport } from './transport'

// axios over a Transport: the platform API client keeps axios (interceptors, params, timeouts)
// while the bytes travel the app's one network stack (Chromium's in Electron, Node's otherwise).

const METHODS = new Set<NetRequest['method']>(['GET', 'POST', 'PATCH', 'DELETE', 'HEAD'])

/**
 * An axios adapter sending every request through `transport`. Bodies must already be strings or
 * bytes (the API client sends JSON text); the answer is returned as text (`responseType: 'text'`).
 * Transport errors are rethrown as they are (their `code` is what api/error-mapping.ts reads).
 */
export function transportAdapter(transport: Transport): AxiosAdapter {
  return async (config) => {
    const method = (config.method ?? 'get').toUpperCase() as NetRequest['method']
    if (!METHODS.has(method)) throw netError(`method ${method} not supported`, 'ERR_BAD_REQUEST')
    const url = axios.getUri(config)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(
      AxiosHeaders.from(config.headers as AxiosHeaders).toJSON() as Record<string, unknown>
    )) {
      if (typeof v === 'string' || typeof v === 'number') headers[k.toLowerCase()] = String(v)
      else if (Array.isArray(v)) headers[k.toLowerCase()] = v.join(', ')
    }
    const data: unknown = config.data
    const body =
      data === undefined || data === null
        ? undefined
        : Buffer.isBuffer(data)
          ? data
          : typeof data === 'string'
            ? Buffer.from(data, 'utf8')
            : undefined
    if (data !== undefined && data !== null && body === undefined)
      throw netError('request body must be text or bytes', 'ERR_BAD_REQUEST')
    const res = await transport.request({
      url,
      method,
      headers,
      ...(body ? { body } : {}),
      ...(config.timeout ? { timeoutMs: config.timeout } : {})
    })
    const response: AxiosResponse<string> = {
      data: res.body.toString('utf8'),
      status: res.status,
      statusText: '',
      headers: new AxiosHeaders(res.headers),
      config,
      request: null
    }
    return response
  }
}
