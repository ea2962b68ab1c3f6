import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../lib/errors.ts';
import { illFormedPath } from '../lib/well-formed.ts';

/**
 * A sub-app whose validation failures take the same path as every other error. Every input
 * that passed its schema is also checked for text that is not well-formed Unicode, in one place
 * for every field of every route (body, query, path): refused with a 400, never stored.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError('validation_failed', {
          issues: result.error.issues.map((issue) => ({
            path: issue.path.map(String).join('.'),
            message: issue.message,
          })),
        });
      }
      const path = illFormedPath(result.data);
      if (path) {
        throw new AppError('validation_failed', {
          message: 'The request holds text that is not valid Unicode, or a NUL character.',
          issues: [
            {
              path: path.join('.'),
              message: 'Not valid Unicode (a lone surrogate), or holds a NUL character.',
            },
          ],
        });
      }
    },
  });
}
