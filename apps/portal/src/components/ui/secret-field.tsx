import { useId, useRef, useState } from 'react';

interface SecretFieldProps {
  /** The read-only textbox's label, e.g. "Login URL". */
  label: string;
  value: string;
  /** The copy button's text, e.g. "Copy URL". */
  copyLabel?: string;
}

/**
 * A secret shown once (a login URL, an API key): a read-only textbox and a Copy button. The
 * clipboard API needs a secure context and permission; where it is refused, the text is
 * selected instead so Ctrl+C finishes the job.
 */
export function SecretField({ label, value, copyLabel = 'Copy' }: SecretFieldProps) {
  const id = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  function selectText() {
    inputRef.current?.focus();
    inputRef.current?.select();
  }

  function handleCopy() {
    const done = () => setCopied('Copied to the clipboard.');
    const fallback = () => {
      selectText();
      setCopied('Selected: press Ctrl+C (⌘C on a Mac) to copy.');
    };
    if (!navigator.clipboard?.writeText) {
      fallback();
      return;
    }
    navigator.clipboard.writeText(value).then(done, fallback);
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="secret-field">
        <input
          ref={inputRef}
          id={id}
          type="text"
          className="mono"
          readOnly
          value={value}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="button" onClick={handleCopy}>
          {copyLabel}
        </button>
      </div>
      {/* Polite, but not a status role: the dialog's own status says what was created. */}
      <p aria-live="polite" className="hint">
        {copied}
      </p>
    </div>
  );
}
