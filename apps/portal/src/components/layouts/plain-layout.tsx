import type { ReactNode } from 'react';

interface PlainLayoutProps {
  /** A bar above the header: the impersonation banner, on the pages one can reach meanwhile. */
  banner?: ReactNode;
  children: ReactNode;
}

/** For pages shown before (or outside) a signed-in session: sign-in, profile choice, 404. */
export function PlainLayout({ banner, children }: PlainLayoutProps) {
  return (
    <div className="app">
      {banner}
      <header className="app-header">
        <div className="app-header__inner">
          <span className="brand">onbehalf</span>
        </div>
      </header>
      <main className="app-main app-main--narrow">{children}</main>
    </div>
  );
}
