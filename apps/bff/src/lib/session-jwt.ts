import { SignJWT } from 'jose';
import type { AuthContext } from '../app-env.ts';
import type { Env } from '../env.ts';
import type { SigningKeys } from './signing-keys.ts';
import { SIGNING_ALG } from './signing-keys.ts';
import { randomId } from './tokens.ts';

export const SESSION_JWT_TTL_MS = 5 * 60 * 1000;
export const SESSION_JWT_AUDIENCE = 'onbehalf-services';

/**
 * A short-lived JWT describing the session for downstream services. While impersonating it
 * carries the RFC 8693 `act` claim naming who is really acting.
 */
export async function signSessionJwt(
  auth: AuthContext,
  keys: SigningKeys,
  env: Env,
  now: number,
): Promise<string> {
  const { session, user, profile, impersonation } = auth;
  const expiresAt = Math.min(now + SESSION_JWT_TTL_MS, session.expiresAt);
  return new SignJWT({
    sid: session.id,
    method: session.method,
    ...(profile ? { profile_id: profile.id, org_id: profile.organization.id } : {}),
    permissions: [...auth.permissions],
    ...(impersonation
      ? {
          act: {
            sub: String(impersonation.actorUser.id),
            name: impersonation.actorUser.name,
            kind: impersonation.actorUser.kind,
          },
          impersonation_id: impersonation.row.id,
        }
      : {}),
    // A session an integration's credential opened says so, and which credential.
    ...(auth.credential ? { via: { kind: auth.credential.kind, id: auth.credential.id } } : {}),
  })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: keys.kid, typ: 'JWT' })
    .setIssuer(env.PUBLIC_ORIGIN)
    .setAudience(SESSION_JWT_AUDIENCE)
    .setSubject(user ? String(user.id) : `anonymous:${session.id}`)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .setJti(randomId())
    .sign(keys.privateKey);
}
