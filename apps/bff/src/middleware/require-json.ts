import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../lib/errors.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/** Bodies are JSON only: anything else is refused before it reaches a validator. */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const hasBody =
    Number(c.req.header('content-length') ?? 0) > 0 ||
    c.req.header('transfer-encoding') !== undefined;
  if (hasBody && !JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new AppError('unsupported_media_type');
  }
  await next();
};
