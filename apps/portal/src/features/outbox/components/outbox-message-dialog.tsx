import type { OutboxMessage } from '@onbehalf/contracts/email-links';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { formatInstant } from '../../../lib/format.ts';

interface OutboxMessageDialogProps {
  message: OutboxMessage;
  onClose: () => void;
}

/**
 * One message in plain text, as the outbox keeps it: every link removed, since a sign-in link
 * is for the person it was sent to only (ADR 028); the HTML part is never rendered. QA suites
 * follow links through test mode's mailbox instead.
 */
export function OutboxMessageDialog({ message, onClose }: OutboxMessageDialogProps) {
  return (
    <ModalDialog title={message.subject} onClose={onClose}>
      <dl className="event-fields">
        <div>
          <dt>From</dt>
          <dd>{message.from}</dd>
        </div>
        <div>
          <dt>To</dt>
          <dd>{message.to}</dd>
        </div>
        <div>
          <dt>When</dt>
          <dd>
            <time dateTime={message.createdAt}>{formatInstant(message.createdAt)}</time>
          </dd>
        </div>
      </dl>
      <pre className="mail-body">{message.text}</pre>
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </ModalDialog>
  );
}
