// The reviewer's queue (GET /v1/reviews/pending, CONTRACT §6): its filters as they travel in the
// page's URL query (so back, reload and 「下一件」 keep them), and the calls that read it.
import { api } from './api.js';

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

// The API's query: every filter the gateway validates (CONTRACT §6), the page size and the cursor.
function pendingQuery(f, { limit, cursor }) {
  const q = new URLSearchParams({ limit: String(limit) });
  for (const [k, v] of Object.entries(f)) q.set(k, v);
  if (cursor) q.set('cursor', cursor);
  return `/v1/reviews/pending?${q}`;
}

// One page of the queue: {data}; a bad filter is the gateway's 422, shown as it says.
export async function fetchPending(f, { limit = 20, cursor = null } = {}) {
  const { data } = await api(pendingQuery(f, { limit, cursor }));
  return { data };
}

// The next declaration of the queue under the same filters, other than `currentId` (null when none).
export async function nextInQueue(f, currentId) {
  const { data } = await fetchPending(f, { limit: 5 });
  return (data.items || []).find((d) => d.id !== currentId)?.id || null;
}
