// What a submission will be refused for, computed in the browser from the same rules as the
// workflow's submission_gaps (workflow/src/plan.cpp): used when the save before a submit is itself
// refused (a decimal count, say), so that the clerk still sees every problem in one round.
import { localValueErrors } from '../components/IndustryBrainForm.jsx';

const blank = (s) => !s || !String(s).trim();

export function submissionGaps(kind, f, ibCatalog) {
  const out = {};
  if (blank(f.orgName)) out['/org_name'] = '企业名称不能为空，提交前须填写';
  if (blank(f.contact?.name)) out['/contact/name'] = '联系人姓名不能为空';
  if (blank(f.contact?.phone)) out['/contact/phone'] = '联系电话不能为空';
  if (kind === 'industry_brain') {
    if (blank(f.payload?.cluster_name)) out['/payload/cluster_name'] = '产业集群名称不能为空，提交前须填写';
    for (const i of ibCatalog?.indicators || []) {
      const it = f.payload?.indicators?.[i.id] || {};
      const grade = i.input === 'grade';
      if (grade ? !it.grade : typeof it.value !== 'number') {
        out[`/payload/indicators/${i.id}`] = `提交前须填写 ${i.id} ${i.name}${grade ? '（选择 A–D 档）' : '（填写数值）'}`;
      }
    }
    Object.assign(out, localValueErrors(ibCatalog, f.payload || {}));
  } else if (!f.payload?.claimed_level) {
    out['/payload/claimed_level'] = '申报等级不能为空，提交前须选择';
  }
  return out;
}
