// The caller's unread notification count (the server's `unread`), shared by the header badge and
// the inbox page so that both say the same number and a 标为已读 shows in the badge at once.
import { useEffect, useState } from 'react';
import { api } from './api.js';

let count = null; // null: not known yet
const listeners = new Set();

export function setUnread(n) {
  if (typeof n !== 'number' || n === count) return;
  count = n;
  listeners.forEach((f) => f(n));
}

// Asks the server again (one notification is enough: the reply carries the total).
export function refreshUnread() {
  return api('/v1/notifications?limit=1').then(({ data }) => setUnread(data.unread), () => {});
}

export function useUnread() {
  const [n, setN] = useState(count);
  useEffect(() => {
    listeners.add(setN);
    setN(count);
    return () => { listeners.delete(setN); };
  }, []);
  return n;
}

// Forget the count (signing out): the next person starts from the server's figure.
export function resetUnread() {
  count = null;
  listeners.forEach((f) => f(null));
}
