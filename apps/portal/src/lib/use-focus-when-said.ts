import { useEffect, useRef } from 'react';

/**
 * A ref for the message an act leaves (a status), focused whenever `said` changes to a message:
 * the button that opened the act's dialog may leave with what it acted on (a revoked row), and
 * focus would fall to the page's body, a keyboard or screen-reader user thrown to its top
 * (WCAG 2.4.3; a review). The element needs `tabIndex={-1}`.
 */
export function useFocusWhenSaid<T extends HTMLElement>(said: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (said) ref.current?.focus();
  }, [said]);
  return ref;
}
