import { useState } from 'react';

const TOKEN_KEY = 'fleetstream.opsToken';

/** The ops token from `#token=…` (kept out of server logs and history) or this tab's storage. */
function initialToken(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** The ops token of this tab, and a way to drop it when the server refuses it. */
export function useOpsToken(): [string, (token: string) => void] {
  const [token, setToken] = useState(initialToken);
  const set = (t: string) => {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
    setToken(t);
  };
  return [token, set];
}

/** Asks for the ops token when the tab has none. */
export function TokenForm({
  onToken,
  error,
}: {
  onToken: (t: string) => void;
  error?: string | null;
}) {
  const [draft, setDraft] = useState('');
  return (
    <main className="page">
      <h1>Ops</h1>
      {error && <p role="alert">{error}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onToken(draft.trim());
        }}
      >
        <label htmlFor="ops-token">Ops token (printed by npm start)</label>
        <input
          id="ops-token"
          type="password"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          autoComplete="off"
        />
        <button type="submit">Open</button>
      </form>
    </main>
  );
}
