/** Who asked, from where: recorded on sessions and audit events. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export const systemMeta: RequestMeta = { ip: null, userAgent: 'onbehalf-cli', requestId: null };
