// Rounds (申报批次, CONTRACT §6): Beijing-time conversions and the calls the round pages share.
// Every time a person reads or types here is China Standard Time (UTC+8, no daylight saving),
// whatever the browser's own time zone.
import { useCallback, useEffect, useState } from 'react';
import { api, errorText } from './api.js';

const CST_MS = 8 * 3600 * 1000;
const p2 = (n) => String(n).padStart(2, '0');

// An instant from the API as Beijing wall-clock parts, or null.
function beijingParts(s) {
  if (!s) return null;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return null;
  const b = new Date(d.getTime() + CST_MS);
  return { y: b.getUTCFullYear(), mo: p2(b.getUTCMonth() + 1), d: p2(b.getUTCDate()), h: p2(b.getUTCHours()), mi: p2(b.getUTCMinutes()) };
}

// "2026-03-31 17:00" (Beijing); "2026-03-31" when the time is midnight and `short` is set.
export function fmtBeijing(s, { short = false } = {}) {
  const b = beijingParts(s);
  if (!b) return s || '';
  const day = `${b.y}-${b.mo}-${b.d}`;
  return short && b.h === '00' && b.mi === '00' ? day : `${day} ${b.h}:${b.mi}`;
}

// The value of an <input type="datetime-local"> ("2026-03-01T08:30") for an API instant.
export function toLocalInput(s) {
  const b = beijingParts(s);
  return b ? `${b.y}-${b.mo}-${b.d}T${b.h}:${b.mi}` : '';
}

// An <input type="datetime-local"> value read as Beijing time, as RFC 3339 with +08:00.
export function fromLocalInput(v) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/.exec(v || '');
  return m ? `${m[1]}T${m[2]}${m[3] || ':00'}+08:00` : '';
}

// The window as people read it: "2026-03-01 00:00 至 2026-04-01 00:00（北京时间）".
export const windowText = (r) => `${fmtBeijing(r.opens_at)} 至 ${fmtBeijing(r.closes_at)}`;

// A short note on when a round takes declarations: "已截止 2026-03-31" / "2026-05-01 开始".
export function roundWhen(r) {
  if (r.state === 'closed') return `已截止 ${fmtBeijing(r.closes_at, { short: true })}`;
  if (r.state === 'scheduled') return `${fmtBeijing(r.opens_at, { short: true })} 开始`;
  return `截止 ${fmtBeijing(r.closes_at, { short: true })}`;
}

// GET /v1/rounds?kind=&state= → {items, error, loading, reload}.
export function useRounds({ kind = '', state = '' } = {}) {
  const [s, setS] = useState({ items: null, error: '', loading: true });
  const load = useCallback(() => {
    setS((o) => ({ ...o, loading: true }));
    const q = new URLSearchParams({ ...(kind && { kind }), ...(state && { state }) });
    return api(`/v1/rounds${q.toString() ? `?${q}` : ''}`).then(
      ({ data }) => setS({ items: data.items || [], error: '', loading: false }),
      (e) => setS({ items: null, error: errorText(e), loading: false }));
  }, [kind, state]);
  useEffect(() => { load(); }, [load]);
  return { ...s, reload: load };
}

// GET /v1/rounds/{id} → {round, etag, error, reload}.
export function useRound(id) {
  const [s, setS] = useState({ round: null, etag: null, error: '' });
  const load = useCallback(() => {
    if (!id) return Promise.resolve();
    return api(`/v1/rounds/${id}`).then(
      ({ data, etag }) => setS({ round: data, etag, error: '' }),
      (e) => setS({ round: null, etag: null, error: errorText(e) }));
  }, [id]);
  useEffect(() => { load(); }, [load]);
  return { ...s, reload: load };
}

// Sum of the per-city recommendations in `counts` (present once the backend reports them).
export function recommendedTotal(counts) {
  return Object.values(counts?.cities || {}).reduce((n, c) => n + (c.recommended || 0), 0);
}
