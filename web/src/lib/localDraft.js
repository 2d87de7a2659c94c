// The applicant's edits kept in this browser (localStorage) until the server has them, so that a
// reload, a crash or a lost connection loses nothing. One entry per declaration (or per new
// declaration of a kind for an org): {saved_at, base_version, fields}, where base_version is the
// server version the edits started from (null for a declaration not yet created).

const PREFIX = 'sdp.draft.';

export const draftKey = ({ id, kind, org }) => (id ? `${PREFIX}${id}` : `${PREFIX}new.${org || ''}.${kind}`);

export function readDraft(key) {
  try {
    const v = JSON.parse(localStorage.getItem(key) || 'null');
    return v && typeof v === 'object' && v.fields ? v : null;
  } catch {
    return null;
  }
}

export function writeDraft(key, baseVersion, fields) {
  try {
    localStorage.setItem(key, JSON.stringify({ saved_at: new Date().toISOString(), base_version: baseVersion, fields }));
    return true;
  } catch {
    return false; // storage full or disabled: the server autosave still runs
  }
}

export function dropDraft(key) {
  try { localStorage.removeItem(key); } catch { /* nothing kept */ }
}
