// @vitest-environment happy-dom

import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { useFocusWhenSaid } from './use-focus-when-said.ts';

afterEach(cleanup);

/** A row whose button goes when pressed, and the message the act leaves. */
function Revocable() {
  const [said, setSaid] = useState<string | null>(null);
  const status = useFocusWhenSaid<HTMLParagraphElement>(said);
  return (
    <main>
      {said ? null : (
        <button type="button" onClick={() => setSaid('Key revoked.')}>
          Revoke
        </button>
      )}
      <p role="status" ref={status} tabIndex={-1}>
        {said}
      </p>
    </main>
  );
}

describe('useFocusWhenSaid', () => {
  it('focuses the message an act leaves, where the button that did it went with it', () => {
    render(<Revocable />);
    const button = screen.getByRole('button', { name: 'Revoke' });
    button.focus();
    expect(document.activeElement).toBe(button);
    fireEvent.click(button);
    expect(document.activeElement).toBe(screen.getByRole('status'));
  });

  it('takes focus from nowhere while nothing is said', () => {
    render(<Revocable />);
    expect(document.activeElement).toBe(document.body);
  });
});
