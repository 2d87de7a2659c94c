export const STATE = {
  draft: '草稿', county_review: '县级审核中', city_review: '市级审核中', province_review: '省级审核中',
  publicity: '公示中', approved: '已认定', returned: '已退回', rejected: '未通过', withdrawn: '已撤回',
};
export const STATE_COLOR = {
  draft: 'default', county_review: 'processing', city_review: 'processing', province_review: 'processing',
  publicity: 'gold', approved: 'success', returned: 'warning', rejected: 'error', withdrawn: 'default',
};
export const KIND = { morning_star: '晨星工厂', industry_brain: '产业大脑' };
export const TIER = { county: '县级', city: '市级', province: '省级' };
export const ROLE = { applicant: '企业', reviewer: '审核员', admin: '管理员', system: '系统' };
export const ACTION = {
  create: '创建', update: '修改', submit: '提交', withdraw: '撤回', approve: '审核通过',
  return: '退回修改', reject: '不予通过', end_publicity: '公示期满',
};
export const DECISION = { approve: '通过', return: '退回', reject: '不予通过' };
export const TIER_OF_STATE = { county_review: 'county', city_review: 'city', province_review: 'province', publicity: 'province' };

// An API instant as Beijing time (UTC+8, no daylight saving), whatever the browser's own zone:
// the times people compare (deadlines, 公示, history) are the province's.
export function fmtTime(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  const b = new Date(d.getTime() + 8 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${b.getUTCFullYear()}-${p(b.getUTCMonth() + 1)}-${p(b.getUTCDate())} ${p(b.getUTCHours())}:${p(b.getUTCMinutes())}:${p(b.getUTCSeconds())}`;
}

export function actorText(a = {}) {
  if (!a) return '';
  if (a.role === 'reviewer') return `${TIER[a.tier] || ''}审核员（${a.region || ''}）`;
  if (a.role === 'applicant') return `企业（${a.org || ''}）`;
  return ROLE[a.role] || a.role || '';
}

// Rounds (申报批次, CONTRACT §6).
export const ROUND_STATE = { scheduled: '未开始', open: '申报中', closed: '已截止' };
export const ROUND_STATE_COLOR = { scheduled: 'default', open: 'green', closed: 'red' };
