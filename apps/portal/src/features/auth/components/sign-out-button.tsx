import { useSignOut } from '../api/sign-out.ts';

interface SignOutButtonProps {
  onSignedOut: () => void;
}

export function SignOutButton({ onSignedOut }: SignOutButtonProps) {
  const signOut = useSignOut();
  return (
    <>
      <button
        type="button"
        className="button button--ghost"
        disabled={signOut.isPending}
        onClick={() => signOut.mutate(undefined, { onSuccess: onSignedOut })}
      >
        Sign out
      </button>
      {signOut.isError ? (
        <span role="alert" className="header-alert">
          {signOut.error.message}
        </span>
      ) : null}
    </>
  );
}
