// The reviewer's queue (GET /v1/reviews/pending, CONTRACT §6): its filters as they travel in the
// page's URL query (so back, reload and 「下一件」 keep them), and the calls that read it.
import { api, ApiError } from './api.js';

export const QUEUE_KEYS = ['q', 'round', 'kind', 'county', 'overdue', 'sort'];

// URLSearchParams -> {q, round, …} with only the filters that are set.
export function queueFilters(sp) {
  const f = {};
  for (const k of QUEUE_KEYS) {
    const v = sp.get(k);
    if (v) f[k] = v;
  }
  return f;
}

// The filters as a query string ("" when none), for links between the queue and its declarations.
export function queueQuery(f) {
  const s = new URLSearchParams(f).toString();
  return s ? `?${s}` : '';
}

// The API's query. `legacy`: only what every gateway takes (kind, and the county as `region`).
function pendingQuery(f, { limit, cursor, legacy }) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (legacy) {
    if (f.kind) q.set('kind', f.kind);
    if (f.county) q.set('region', f.county);
  } else {
    for (const [k, v] of Object.entries(f)) q.set(k, v);
  }
  if (cursor) q.set('cursor', cursor);
  return `/v1/reviews/pending?${q}`;
}

const usesNewFilters = (f) => Object.keys(f).some((k) => k !== 'kind');

// One page of the queue: {data, degraded}. A gateway that does not know the newer filters answers
// 400 (unknown parameter); then the page is read again with the ones it knows, and `degraded` says so.
export async function fetchPending(f, { limit = 20, cursor = null } = {}) {
  try {
    const { data } = await api(pendingQuery(f, { limit, cursor, legacy: false }));
    return { data, degraded: false };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 400 || !usesNewFilters(f)) throw e;
    const { data } = await api(pendingQuery(f, { limit, cursor, legacy: true }));
    return { data, degraded: true };
  }
}

// The next declaration of the queue under the same filters, other than `currentId` (null when none).
export async function nextInQueue(f, currentId) {
  const { data } = await fetchPending(f, { limit: 5 });
  return (data.items || []).find((d) => d.id !== currentId)?.id || null;
}
