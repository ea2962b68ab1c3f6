/**
 * A one-line message carried to the next page in the router's location state, for what
 * happens across an identity change (leaving or ending an impersonation): the query cache is
 * cleared on the way, so it cannot hold the message.
 */
export interface NoticeState {
  notice: string;
}

export function noticeState(notice: string): NoticeState {
  return { notice };
}

export function readNotice(state: unknown): string | null {
  if (typeof state !== 'object' || state === null || !('notice' in state)) return null;
  return typeof state.notice === 'string' ? state.notice : null;
}
