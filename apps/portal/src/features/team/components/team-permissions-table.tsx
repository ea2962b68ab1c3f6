import { impersonationBlockLabels } from '@onbehalf/contracts/impersonation';
import type { CustomerPermission } from '@onbehalf/contracts/permissions';
import {
  customerPermissions,
  permissionLabels,
  sortPermissions,
} from '@onbehalf/contracts/permissions';
import type { TeamMember } from '@onbehalf/contracts/team';
import { useId, useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { LoadingStatus } from '../../../components/ui/status.tsx';
import { useMembers } from '../api/list-members.ts';
import { useUpdateMember } from '../api/update-member.ts';
import { lockReason, type Viewer } from '../lock-reason.ts';

interface PendingChange {
  profileId: number;
  permission: CustomerPermission;
  checked: boolean;
}

const memberNoun = { one: 'member', other: 'members' };

interface TeamPermissionsTableProps {
  viewer: Viewer;
  /** Name or email; empty for the whole team. */
  search: string;
  /** "Impersonate account" was pressed for an allowed member. */
  onImpersonate: (member: TeamMember) => void;
}

export function TeamPermissionsTable({ viewer, search, onImpersonate }: TeamPermissionsTableProps) {
  const idPrefix = useId();
  const members = useMembers(search);
  const update = useUpdateMember();
  // What was clicked, per member, shown until the server answered and the list was read again;
  // the data itself only ever comes from the server (no optimistic cache writes), so a refusal
  // simply falls back to it. A member's row is locked meanwhile, others are not: a change sends
  // the member's whole list, and one built while another was on its way would undo it (a review
  // found a second row's click unlocking the first and a later click granting back what it took).
  const [pending, setPending] = useState<ReadonlyMap<number, PendingChange>>(new Map());
  const [failure, setFailure] = useState<string | null>(null);

  function toggle(member: TeamMember, permission: CustomerPermission, checked: boolean) {
    const { profileId } = member;
    const next = checked
      ? [...member.permissions, permission]
      : member.permissions.filter((p) => p !== permission);
    setPending((before) => new Map(before).set(profileId, { profileId, permission, checked }));
    setFailure(null);
    // Each change settles on its own promise (`mutate`'s callbacks fire for the latest call
    // only), after the hook's reload of the list (update-member.ts): the row is never offered
    // again on the data from before its change.
    update
      .mutateAsync({ profileId, changes: { permissions: sortPermissions(next) } })
      .catch((error: Error) => setFailure(error.message))
      .finally(() =>
        setPending((before) => {
          const after = new Map(before);
          after.delete(profileId);
          return after;
        }),
      );
  }

  return (
    <>
      {failure ? (
        <div role="alert" className="alert alert--error">
          {failure}
        </div>
      ) : null}
      <PagedListView
        list={members}
        noun={memberNoun}
        search={search}
        loadingLabel="Loading team members…"
        errorTitle="Team members could not be loaded."
        empty="No team members yet."
      >
        {(rows) => (
          <div className="table-scroll">
            <table className="table table--matrix" aria-label="Team members">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  {customerPermissions.map((permission) => (
                    <th scope="col" key={permission} className="center">
                      {permissionLabels[permission]}
                    </th>
                  ))}
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((member) => {
                  const rowPending = pending.get(member.profileId);
                  return (
                    <tr key={member.profileId}>
                      <th scope="row">
                        {member.name}
                        {member.isSelf ? (
                          <>
                            {' '}
                            <Badge>You</Badge>
                          </>
                        ) : null}
                        {member.status === 'disabled' ? (
                          <>
                            {' '}
                            <Badge tone="warning">Disabled</Badge>
                          </>
                        ) : null}
                      </th>
                      <td>{member.email}</td>
                      <td className="capitalize">{member.role}</td>
                      {customerPermissions.map((permission) => {
                        const reason = lockReason(viewer, member, permission);
                        const held = member.permissions.includes(permission);
                        const checked =
                          rowPending?.permission === permission ? rowPending.checked : held;
                        return (
                          <td key={permission} className="center">
                            <input
                              type="checkbox"
                              className="checkbox"
                              aria-label={`${permissionLabels[permission]} for ${member.name}`}
                              title={reason ?? (rowPending ? 'Saving…' : undefined)}
                              checked={checked}
                              disabled={reason !== null || rowPending !== undefined}
                              onChange={(event) => toggle(member, permission, event.target.checked)}
                            />
                          </td>
                        );
                      })}
                      <td>
                        <ImpersonateAction
                          member={member}
                          reasonId={`${idPrefix}-impersonate-${member.profileId}`}
                          onImpersonate={onImpersonate}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </PagedListView>
      {pending.size > 0 ? <LoadingStatus label="Saving…" /> : null}
    </>
  );
}

interface ImpersonateActionProps {
  member: TeamMember;
  reasonId: string;
  onImpersonate: (member: TeamMember) => void;
}

/** "Impersonate account", or why not (the server's verdict for this member). */
function ImpersonateAction({ member, reasonId, onImpersonate }: ImpersonateActionProps) {
  const { allowed, reason } = member.impersonation;
  const why = !allowed && reason ? impersonationBlockLabels[reason] : null;
  return (
    <div className="row-action">
      <button
        type="button"
        className="button button--small"
        aria-label={`Impersonate account: ${member.name}`}
        aria-describedby={why ? reasonId : undefined}
        disabled={!allowed}
        onClick={() => onImpersonate(member)}
      >
        Impersonate account
      </button>
      {why ? (
        <span id={reasonId} className="hint">
          {why}
        </span>
      ) : null}
    </div>
  );
}
