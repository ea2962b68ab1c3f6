import type { ReactNode } from 'react';

interface PlainLayoutProps {
  children: ReactNode;
}

/** For pages shown before (or outside) a signed-in session: sign-in, profile choice, 404. */
export function PlainLayout({ children }: PlainLayoutProps) {
  return (
    <div className="app">
      <header className="app-header">
        <div className="app-header__inner">
          <span className="brand">onbehalf</span>
        </div>
      </header>
      <main className="app-main app-main--narrow">{children}</main>
    </div>
  );
}
