// The session: a JWT kept in sessionStorage (one browser tab or context = one session).
const KEY = 'sdp.token';
const listeners = new Set();

export function decodeJwt(token) {
  try {
    const part = token.split('.')[1];
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4);
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

export function getToken() {
  return sessionStorage.getItem(KEY);
}

// The signed-in person's claims, or null when signed out or expired.
export function getSession() {
  const token = getToken();
  if (!token) return null;
  const claims = decodeJwt(token);
  if (!claims || !claims.exp || claims.exp * 1000 <= Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return { token, ...claims };
}

export function setToken(token) {
  sessionStorage.setItem(KEY, token);
  listeners.forEach((f) => f());
}

export let signOutReason = '';
export function signOut(reason = '') {
  signOutReason = reason;
  sessionStorage.removeItem(KEY);
  listeners.forEach((f) => f());
}

export function onSessionChange(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

// Returning from the identity provider: the token arrives as #access_token=… in the URL.
export function takeTokenFromFragment() {
  const h = window.location.hash;
  if (!h.includes('access_token=')) return;
  const params = new URLSearchParams(h.replace(/^#\/?/, '').replace(/^[^?]*\?/, ''));
  const token = params.get('access_token');
  if (token) sessionStorage.setItem(KEY, token);
  window.history.replaceState(null, '', window.location.pathname + window.location.search + '#/');
}
