import type { LoginTokenUse } from '@onbehalf/contracts/login-links';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useState } from 'react';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { RequiredReasonField, useRequiredReason } from '../../../components/ui/required-reason.tsx';
import { SecretField } from '../../../components/ui/secret-field.tsx';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
import { TicketField } from '../../../components/ui/ticket-field.tsx';
import { fromDateTimeLocal, toDateTimeLocal } from '../../../lib/datetime-local.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { type MadeLoginToken, useCreateLoginToken } from '../api/create-login-token.ts';
import { useLoginTokenSubjects } from '../api/search-login-token-subjects.ts';
import { defaultExpiry, loginTokenUseChoices, loginTokenUseList } from '../labels.ts';

const TITLE = 'New Login Token';
/** Typing pauses this long before the search runs. */
const SEARCH_DELAY_MS = 250;

interface Subject {
  profileId: number;
  name: string;
  email: string;
  type: 'Contact' | 'Customer';
  organizationName: string;
}

/**
 * The popup: whom (a contact, a customer, or a guest), who will use it (SPEC §4b), until when,
 * once or reusable.
 */
export function NewLoginTokenDialog({ onClose }: { onClose: () => void }) {
  const create = useCreateLoginToken();
  const [created, setCreated] = useState<Created | null>(null);

  return (
    <ModalDialog title={TITLE} onClose={onClose}>
      {created ? (
        <CreatedToken created={created} onDone={onClose} />
      ) : (
        <NewLoginTokenForm create={create} onCreated={setCreated} onCancel={onClose} />
      )}
    </ModalDialog>
  );
}

interface Created {
  token: MadeLoginToken;
  /** "Ben Brooks", or a guest: said back so the operator sees what they made. */
  whom: string;
  /** Who will use it; null for a guest's token. */
  use: LoginTokenUse | null;
  expiresAt: string;
}

function CreatedToken({ created, onDone }: { created: Created; onDone: () => void }) {
  const { token, whom, use } = created;
  return (
    <div className="form">
      <p role="status" className="alert alert--success">
        Login token was successfully created
      </p>
      {token.delivery === 'email' ? (
        <>
          <p>
            Login token {token.id} was sent to <strong>{token.sentTo}</strong>. It signs in as{' '}
            {whom} until {formatDateTime(token.expiresAt)}.
          </p>
          <p className="muted">You do not see its login URL: only {whom} can use it.</p>
        </>
      ) : (
        <>
          <p>
            Login token {token.id} signs in as {whom} until {formatDateTime(created.expiresAt)}.
          </p>
          {use === 'support' ? (
            <p>
              Only you can open it, while you are signed in as yourself: it starts an impersonation
              of {whom}.
            </p>
          ) : use === 'integration' ? (
            <p>
              Give it to the integration only. Its sessions are marked as the integration’s and
              cannot change {whom}’s account.
            </p>
          ) : null}
          <SecretField label="Login URL" value={token.url} copyLabel="Copy URL" />
          <p className="muted">This URL is shown only once.</p>
        </>
      )}
      <div className="dialog__actions">
        <button type="button" className="button button--primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

interface NewLoginTokenFormProps {
  create: ReturnType<typeof useCreateLoginToken>;
  onCreated: (created: Created) => void;
  onCancel: () => void;
}

function NewLoginTokenForm({ create, onCreated, onCancel }: NewLoginTokenFormProps) {
  const ids = {
    search: useId(),
    anonymous: useId(),
    expires: useId(),
    expiresHint: useId(),
    extra: useId(),
    oneTime: useId(),
    oneTimeHint: useId(),
    use: useId(),
  };
  const [search, setSearch] = useState('');
  const [subject, setSubject] = useState<Subject | null>(null);
  const [anonymous, setAnonymous] = useState(false);
  const [expires, setExpires] = useState(() => defaultExpiry());
  const [extra, setExtra] = useState('');
  const [oneTimeUse, setOneTimeUse] = useState(true);
  // Asked, not assumed: each answer makes a different kind of credential.
  const [use, setUse] = useState<LoginTokenUse | null>(null);
  const reason = useRequiredReason();
  const [ticket, setTicket] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const expiresAt = fromDateTimeLocal(expires);
    if (!anonymous && !subject) {
      setInvalid('Choose a contact or customer, or tick Anonymous user.');
      return;
    }
    // A guest's token signs in nobody in particular: the question is only for a person's.
    const chosenUse = anonymous ? null : use;
    if (!anonymous && !chosenUse) {
      setInvalid('Choose who will use it.');
      return;
    }
    const why = chosenUse === 'support' ? reason.check() : null;
    if (chosenUse === 'support' && !why) {
      setInvalid(null);
      return;
    }
    if (!expiresAt) {
      setInvalid('Give the date and time the token expires.');
      return;
    }
    if (Date.parse(expiresAt) <= Date.now()) {
      setInvalid('Choose an expiry in the future.');
      return;
    }
    setInvalid(null);
    const whom = anonymous || !subject ? 'a guest (anonymous user)' : subject.name;
    create.mutate(
      {
        subject:
          anonymous || !subject
            ? { type: 'anonymous' }
            : { type: 'profile', profileId: subject.profileId },
        expiresAt,
        oneTimeUse,
        extra: extra.trim() || undefined,
        use: chosenUse ?? undefined,
        // Only an impersonation (support) carries a reason and a ticket.
        ...(why ? { reason: why, ticket: ticket.trim() || undefined } : {}),
      },
      { onSuccess: (token) => onCreated({ token, whom, use: chosenUse, expiresAt }) },
    );
  }

  const error = invalid ?? (create.isError ? create.error.message : null);

  return (
    <form className="form" noValidate onSubmit={handleSubmit}>
      <p className="muted">
        Anyone holding the login URL signs in without a password until it expires. Only a hash of it
        is kept.
      </p>
      {error ? (
        <div role="alert" className="alert alert--error">
          {error}
        </div>
      ) : null}
      <fieldset className="fieldset">
        <legend>Who signs in</legend>
        <div className="field">
          <label htmlFor={ids.search}>Contact or customer</label>
          <input
            id={ids.search}
            type="search"
            autoComplete="off"
            maxLength={200}
            placeholder="Name or email"
            disabled={anonymous}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            // Typing searches; Enter must not save the form half filled in.
            onKeyDown={(event: KeyboardEvent<HTMLInputElement>) => {
              if (event.key === 'Enter') event.preventDefault();
            }}
          />
        </div>
        {anonymous ? null : (
          <SubjectResults
            search={search}
            onChoose={(chosen) => {
              setSubject(chosen);
              setSearch('');
              if (invalid) setInvalid(null);
            }}
          />
        )}
        <div aria-live="polite">
          {subject && !anonymous ? (
            <>
              <p className="selected-subject">Selected: {subject.name}</p>
              <p className="hint">
                {subject.email} · {subject.organizationName} ({subject.type})
              </p>
            </>
          ) : null}
        </div>
        <div className="check">
          <input
            id={ids.anonymous}
            type="checkbox"
            className="checkbox"
            checked={anonymous}
            onChange={(event) => setAnonymous(event.target.checked)}
          />
          <label htmlFor={ids.anonymous}>Anonymous user</label>
        </div>
      </fieldset>
      {anonymous ? null : (
        <fieldset className="fieldset">
          <legend>Who will use it?</legend>
          {loginTokenUseList.map((option) => (
            <UseChoice
              key={option}
              name={ids.use}
              value={option}
              checked={use === option}
              onChange={() => {
                setUse(option);
                if (invalid) setInvalid(null);
              }}
            />
          ))}
          {use === 'support' ? (
            <>
              <RequiredReasonField
                reason={reason}
                hint="Recorded with the impersonation and shown in their access history."
              />
              <TicketField value={ticket} onChange={setTicket} />
            </>
          ) : null}
        </fieldset>
      )}
      <div className="field field--narrow">
        <label htmlFor={ids.expires}>Expires at</label>
        <input
          id={ids.expires}
          type="datetime-local"
          required
          min={toDateTimeLocal(new Date(), 'minute')}
          aria-describedby={ids.expiresHint}
          value={expires}
          onChange={(event) => setExpires(event.target.value)}
        />
        <span id={ids.expiresHint} className="hint">
          Your local time. At most 90 days ahead.
        </span>
      </div>
      <div className="field">
        <label htmlFor={ids.extra}>Extra</label>
        <textarea
          id={ids.extra}
          rows={2}
          maxLength={2000}
          value={extra}
          onChange={(event) => setExtra(event.target.value)}
        />
      </div>
      <div className="check">
        <input
          id={ids.oneTime}
          type="checkbox"
          className="checkbox"
          aria-describedby={ids.oneTimeHint}
          checked={oneTimeUse}
          onChange={(event) => setOneTimeUse(event.target.checked)}
        />
        <label htmlFor={ids.oneTime}>One time use</label>
        <span id={ids.oneTimeHint} className="hint">
          Off: every use signs in again until it expires.
        </span>
      </div>
      <div className="dialog__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          Save
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {create.isPending ? <LoadingStatus label="Saving…" /> : null}
    </form>
  );
}

interface UseChoiceProps {
  name: string;
  value: LoginTokenUse;
  checked: boolean;
  onChange: () => void;
}

/** One answer to "Who will use it?", with the sentence that says what it makes. */
function UseChoice({ name, value, checked, onChange }: UseChoiceProps) {
  const id = useId();
  const detailId = useId();
  const choice = loginTokenUseChoices[value];
  return (
    <div className="radio-choice">
      <input
        id={id}
        type="radio"
        name={name}
        value={value}
        aria-describedby={detailId}
        checked={checked}
        onChange={onChange}
      />
      <label htmlFor={id}>{choice.label}</label>
      <span id={detailId} className="hint">
        {choice.detail}
      </span>
    </div>
  );
}

interface SubjectResultsProps {
  search: string;
  onChoose: (subject: Subject) => void;
}

/** Matches for what is typed, as buttons; a pause in typing runs the search. */
function SubjectResults({ search, onChoose }: SubjectResultsProps) {
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(search.trim()), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [search]);
  const subjects = useLoginTokenSubjects(debounced);

  if (!search.trim() || !debounced) return null;
  if (subjects.isPending) return <LoadingStatus label="Searching…" />;
  if (subjects.isError) {
    return (
      <ErrorAlert
        title="The search failed."
        error={subjects.error}
        onRetry={() => void subjects.refetch()}
      />
    );
  }
  if (subjects.data.length === 0) {
    return <p className="empty">No contacts or customers match.</p>;
  }
  return (
    <ul className="subject-results" aria-label="Matching contacts and customers">
      {subjects.data.map((candidate) => (
        <li key={candidate.profileId}>
          <button
            type="button"
            className="choice subject-results__choice"
            onClick={() => onChoose(candidate)}
          >
            {candidate.name} — {candidate.organizationName} ({candidate.type})
          </button>
          <span className="hint">{candidate.email}</span>
        </li>
      ))}
    </ul>
  );
}
