/** Body of GET /healthz. */
export interface Health {
  status: 'ok' | 'unavailable';
  components: {
    kafka: { ok: boolean; error?: string };
    redis: { ok: boolean; error?: string };
    roles: Record<string, { ok: boolean; instances: number; ready: number }>;
  };
}

export async function fetchHealth(): Promise<Health> {
  const res = await fetch('/healthz');
  if (res.status !== 200 && res.status !== 503) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as Health;
}
