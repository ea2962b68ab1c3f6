import { decimalId } from '@onbehalf/contracts/common';
import { Link, useParams } from 'react-router';
import { LoginTokenDetails } from '../../features/login-tokens/components/login-token-details.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AdminLoginTokenDetailsRoute() {
  const { id = '' } = useParams();
  const tokenId = decimalId(id);
  useDocumentTitle(tokenId ? `Login token ${tokenId}` : 'Login token');
  const session = useSignedInSession();
  const canManage = session.permissions.includes('login-tokens:manage');

  return (
    <div className="page">
      <p className="breadcrumb">
        <Link to="/admin/login-tokens">All login tokens</Link>
      </p>
      <div className="page-header">
        <h1>{tokenId ? `Login token ${tokenId}` : 'Login token'}</h1>
      </div>
      {!canManage ? (
        <p className="empty">You do not have access to login tokens.</p>
      ) : tokenId ? (
        <LoginTokenDetails tokenId={tokenId} canDelete={!session.actor} />
      ) : (
        <div role="alert" className="alert alert--error">
          There is no login token with this id.
        </div>
      )}
    </div>
  );
}
