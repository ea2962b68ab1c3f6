import { errorBody } from '@onbehalf/contracts/errors';
import type { z } from 'zod';

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** A required JSON body: without `required`, a request with no body would skip validation. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

const errorDescriptions: Record<number, string> = {
  400: 'Invalid input',
  401: 'Not signed in, or the session has ended',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone: expired, used up or withdrawn',
  413: 'Body too large',
  421: 'This server does not answer for that host',
  429: 'Too many attempts; see Retry-After',
  503: 'A dependency (e.g. mail) is unavailable; try again later',
};

export const errorResponses = (...statuses: (keyof typeof errorDescriptions)[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      jsonContent(errorBody, errorDescriptions[status] ?? 'Error'),
    ]),
  );
