import { accountRoutes } from './features/account/account.routes.ts';
import { apiKeysRoutes } from './features/api-keys/api-keys.routes.ts';
import { auditRoutes } from './features/audit/audit.routes.ts';
import { authRoutes } from './features/auth/auth.routes.ts';
import { commerceRoutes } from './features/commerce/commerce.routes.ts';
import { credentialsRoutes } from './features/credentials/credentials.routes.ts';
import { healthRoutes } from './features/health/health.routes.ts';
import { impersonationRoutes } from './features/impersonation/impersonation.routes.ts';
import { jwksRoutes } from './features/jwks/jwks.routes.ts';
import { loginTokensRoutes } from './features/login-tokens/login-tokens.routes.ts';
import { emailLinksRoutes } from './features/one-click/email-links.routes.ts';
import { oneClickRoutes } from './features/one-click/one-click.routes.ts';
import { outboxRoutes } from './features/outbox/outbox.routes.ts';
import { profilesRoutes } from './features/profiles/profiles.routes.ts';
import { settingsRoutes } from './features/settings/settings.routes.ts';
import { teamRoutes } from './features/team/team.routes.ts';
import { testModeRoutes } from './features/test-mode/test-mode.routes.ts';
import { usersRoutes } from './features/users/users.routes.ts';
import { createRouter } from './http/router.ts';

/**
 * Every route of the typed API (the table in `@onbehalf/contracts/routes`), as one sub-app: what
 * `createApp` serves, and what the OpenAPI document describes. Test mode's routes are apart.
 */
export const apiRoutes = createRouter()
  .route('/', healthRoutes)
  .route('/', authRoutes)
  .route('/', profilesRoutes)
  .route('/', teamRoutes)
  .route('/', commerceRoutes)
  .route('/', impersonationRoutes)
  .route('/', accountRoutes)
  .route('/', credentialsRoutes)
  .route('/', usersRoutes)
  .route('/', settingsRoutes)
  .route('/', oneClickRoutes)
  .route('/', loginTokensRoutes)
  .route('/', apiKeysRoutes)
  .route('/', auditRoutes)
  .route('/', emailLinksRoutes)
  .route('/', outboxRoutes)
  .route('/', jwksRoutes);

/**
 * The OpenAPI document of the API, with test mode's routes when `testMode`. Building it holds
 * the event loop 0.2–0.6 s, so `pnpm build` writes both documents beside the bundle
 * (`openApiFileName`; scripts/bundle.mjs) and the server serves the file; only a server run
 * from the sources (`pnpm dev`, the tests) builds it, at its first request (ADR 050).
 */
export function openApiDocument(testMode: boolean): string {
  const described = createRouter();
  described.route('/', apiRoutes);
  if (testMode) described.route('/', testModeRoutes);
  described.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The session token returned by sign-in, for API clients.',
  });
  return JSON.stringify(
    described.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'onbehalf API',
        version: '1.0.0',
        description:
          'Sign-in, sessions, profiles, acting on behalf of others, and their audit trail.',
      },
      security: [{ bearer: [] }],
    }),
  );
}

/** The file `pnpm build` writes each document to, beside the server's bundle. */
export const openApiFileName = (testMode: boolean) =>
  testMode ? 'openapi.test-mode.json' : 'openapi.json';
