import { useEffect } from 'react';

/** Each page names itself in the tab, so people (and screen readers) know where they are. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · onbehalf`;
  }, [title]);
}
