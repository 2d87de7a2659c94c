// JSON pointers of a declaration (as the server names fields in errors, diffs and history) turned
// into words and into the form element they are about.

const FIELD = {
  '/round': '申报批次', '/region': '所在县（市、区）', '/title': '申报名称', '/org_name': '企业名称',
  '/contact': '联系人信息', '/contact/name': '联系人', '/contact/phone': '联系电话', '/contact/email': '电子邮箱',
  '/payload/claimed_level': '申报等级', '/payload/cluster_name': '产业集群名称',
};
const PART = { met: '自评', evidence: '佐证说明', value: '数值', grade: '档次' };

// The criterion or indicator id a pointer is about ("MS05" for /payload/criteria/MS05/evidence).
export function itemOf(pointer = '') {
  const m = /^\/payload\/(?:criteria|indicators)\/([^/]+)/.exec(pointer);
  return m ? m[1] : null;
}

// "MS05 工艺仿真 · 佐证说明", "联系电话" — names maps item ids to their names.
export function pointerLabel(pointer = '', names = {}) {
  if (FIELD[pointer]) return FIELD[pointer];
  const item = itemOf(pointer);
  if (item) {
    const part = pointer.split('/')[4];
    return `${item}${names[item] ? ` ${names[item]}` : ''}${part && PART[part] ? ` · ${PART[part]}` : ''}`;
  }
  return pointer || '申报';
}

// The element to scroll to and focus for a pointer, or null.
export function elementFor(pointer = '') {
  const byId = {
    '/title': 'title', '/org_name': 'org_name', '/region': 'region', '/contact/name': 'contact-name',
    '/contact/phone': 'contact-phone', '/contact/email': 'contact-email', '/payload/claimed_level': 'claimed-level',
    '/payload/cluster_name': 'cluster-name', '/round': 'round-field',
  };
  if (byId[pointer]) return document.getElementById(byId[pointer]);
  const item = itemOf(pointer);
  if (item) return document.querySelector(`[data-testid="criterion-${item}"], [data-testid="indicator-${item}"]`);
  return null;
}

// Scrolls a field into view (below the pinned bar) and focuses its first control.
export function jumpTo(pointer) {
  const el = elementFor(pointer);
  if (!el) return false;
  el.scrollIntoView({ behavior: 'smooth', block: 'center' });
  const control = el.matches('input, textarea, button') ? el : el.querySelector('input:not([disabled]), textarea, button');
  control?.focus({ preventScroll: true });
  el.classList.add('flash');
  setTimeout(() => el.classList.remove('flash'), 1600);
  return true;
}
