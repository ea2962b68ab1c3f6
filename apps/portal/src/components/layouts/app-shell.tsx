import type { ReactNode } from 'react';
import { NavLink } from 'react-router';

export interface NavItem {
  to: string;
  label: string;
}

interface AppShellProps {
  /** A bar above the header for what must not be missed (the impersonation banner). */
  banner?: ReactNode;
  userName: string;
  userDetail?: string;
  navItems: readonly NavItem[];
  /** Profile switcher, sign-out: whatever the signed-in header offers on the right. */
  actions: ReactNode;
  children: ReactNode;
}

export function AppShell({
  banner,
  userName,
  userDetail,
  navItems,
  actions,
  children,
}: AppShellProps) {
  return (
    <div className="app">
      {banner}
      <header className="app-header">
        <div className="app-header__inner">
          <span className="brand">onbehalf</span>
          <nav aria-label="Main" className="main-nav">
            <ul>
              {navItems.map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.to === '/'} className="main-nav__link">
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="app-header__account">
            <span className="app-header__user">
              <span className="app-header__name">{userName}</span>
              {userDetail ? <span className="app-header__detail">{userDetail}</span> : null}
            </span>
            {actions}
          </div>
        </div>
      </header>
      <main className="app-main">{children}</main>
    </div>
  );
}
