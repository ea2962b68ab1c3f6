import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../lib/errors.ts';

/**
 * The JSON types Hono's validator reads a body under, spelt as it matches them: in lower case,
 * with no space before a parameter. Under any other spelling it reads no body at all and
 * validates an empty object, so `APPLICATION/JSON` made a route go ahead on its defaults (a
 * test operator was created from a body it never read). Media types are case-insensitive
 * (RFC 9110), but a body we would not read is refused, never taken for an empty one.
 */
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/;

/** Bodies are JSON only: anything else is refused before it reaches a validator. */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const hasBody =
    Number(c.req.header('content-length') ?? 0) > 0 ||
    c.req.header('transfer-encoding') !== undefined;
  if (hasBody && !JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new AppError('unsupported_media_type');
  }
  // Bodies are read as they come, never decoded: one sent under a coding is refused, rather
  // than run as other bytes than a filter in front that decodes it would have judged.
  const coding = c.req.header('content-encoding');
  if (hasBody && coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
    throw new AppError('unsupported_media_type', {
      message: 'Bodies are taken without a content coding (Content-Encoding: identity, or none).',
    });
  }
  await next();
};
