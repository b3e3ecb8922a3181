import type { ReactNode } from 'react';

/** A whole-page message instead of the map: a broken, expired or unknown link. */
export function Message({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="page" data-testid="tracking-message">
      <h1>{title}</h1>
      <p>{children}</p>
    </main>
  );
}
