import type { OutboxMessage } from '@onbehalf/contracts/email-links';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { formatInstant } from '../../../lib/format.ts';
import { linkify } from '../linkify.ts';

interface OutboxMessageDialogProps {
  message: OutboxMessage;
  onClose: () => void;
}

/**
 * One message as its recipient would read it, in plain text. Its links are real links, so a
 * demo or QA flow can follow a sign-in link end to end; the HTML part is never rendered.
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
      <pre className="mail-body">
        {/* Index keys: the parts of one body never reorder. */}
        {linkify(message.text).map((part, index) =>
          part.kind === 'link' ? (
            <a key={index} href={part.href} rel="noreferrer">
              {part.href}
            </a>
          ) : (
            <span key={index}>{part.text}</span>
          ),
        )}
      </pre>
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </ModalDialog>
  );
}
