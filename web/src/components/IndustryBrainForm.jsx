import { Collapse, Radio, Input, InputNumber, Form, Typography, Tag, Alert } from 'antd';
import { ItemFilesSlot } from './Files.jsx';

function errorsUnder(errors, prefix) {
  return Object.entries(errors).filter(([p]) => p === prefix || p.startsWith(prefix + '/')).map(([, m]) => m).join('；');
}

export const GRADE_OPTIONS = ['A', 'B', 'C', 'D'];

const isGrade = (i) => i.input === 'grade' || (!i.unit && i.grades);

// What is wrong with a typed value before anything is sent: a count must be whole, a value within
// its range (L5P5 1–5) and not negative. Nothing is rounded or clamped: the clerk is told instead.
export function valueProblem(i, v) {
  if (typeof v !== 'number' || Number.isNaN(v)) return '';
  const [lo, hi] = i.value_range || [0, undefined];
  if (i.integer && !Number.isInteger(v)) return `${i.id} 须为整数（单位：${i.unit}）`;
  if (v < lo || (hi !== undefined && v > hi)) return hi !== undefined ? `${i.id} 的取值范围是 ${lo}–${hi}` : `${i.id} 不能小于 ${lo}`;
  return '';
}

// Every value problem of a payload, as {pointer: message}.
export function localValueErrors(catalog, payload) {
  const out = {};
  for (const i of catalog?.indicators || []) {
    const m = isGrade(i) ? '' : valueProblem(i, payload.indicators?.[i.id]?.value);
    if (m) out[`/payload/indicators/${i.id}/value`] = m;
  }
  return out;
}

// The 32 indicators grouped by dimension; `value` is the industry_brain payload.
export default function IndustryBrainForm({ catalog, value, onChange, errors, score, readOnly, changed }) {
  const inds = value.indicators || {};
  const setInd = (id, patch) => onChange({ ...value, indicators: { ...inds, [id]: { ...(inds[id] || {}), ...patch } } });
  const clusterErr = errors['/payload/cluster_name'];
  const gradeNotes = [...new Set(catalog.indicators.filter(isGrade).map((i) => i.grades_note).filter(Boolean))];
  return (
    <Form layout="vertical" component="div">
      <Form.Item label="产业集群名称" htmlFor="cluster-name" required validateStatus={clusterErr ? 'error' : ''} help={clusterErr}>
        <Input id="cluster-name" data-testid="cluster-name" value={value.cluster_name || ''} disabled={readOnly}
          onChange={(e) => onChange({ ...value, cluster_name: e.target.value })} maxLength={200} />
      </Form.Item>
      <Alert type="info" showIcon style={{ marginBottom: 12 }} data-testid="grades-note" message="填报说明"
        description={<div>数值类指标按所示单位填写（个、家、项、人等计数须为整数）；定性指标选择 A–D 档，各档含义列在指标下方。
          {gradeNotes.map((n) => <div key={n}><i>{n}</i></div>)}</div>} />
      <Collapse defaultActiveKey={catalog.dimensions.map((d) => d.id)} items={catalog.dimensions.map((d) => {
        const ds = score?.dimensions?.[d.id];
        return {
          key: d.id,
          label: <span>{d.id} {d.name}{ds && <Typography.Text type="secondary">　得分 {ds.points} / {ds.max}</Typography.Text>}</span>,
          children: catalog.indicators.filter((i) => i.dimension === d.id).map((i) => {
            const it = inds[i.id] || {};
            const err = errorsUnder(errors, `/payload/indicators/${i.id}`);
            const pts = score?.indicators?.[i.id];
            const grade = isGrade(i);
            const [lo, hi] = i.value_range || [0, undefined];
            return (
              <div key={i.id} className={`criterion${err ? ' has-error' : ''}`} data-testid={`indicator-${i.id}`}>
                <div>
                  <div>
                    <b>{i.id}</b> {i.name} {i.unit && <Tag>{i.unit}</Tag>} {pts && <Typography.Text type="secondary">得分 {pts.points} / {pts.max}</Typography.Text>}
                    {changed?.has(i.id) && <Tag color="blue" data-testid={`changed-${i.id}`}>本次已修改</Tag>}
                  </div>
                  <div className="desc">{i.description}</div>
                  {i.value_note && <div className="desc">说明：{i.value_note}</div>}
                  {grade && i.grades && (
                    <ul className="desc" style={{ paddingInlineStart: 18, margin: '4px 0' }}>
                      {GRADE_OPTIONS.map((g) => <li key={g}><b>{g}</b>：{i.grades[g]}</li>)}
                    </ul>
                  )}
                </div>
                <div>
                  <div className={err ? 'control-error' : ''}>
                    {grade ? (
                      <Radio.Group aria-label={`${i.id} ${i.name} 等级`} value={it.grade} disabled={readOnly} buttonStyle="solid"
                        onChange={(e) => setInd(i.id, { grade: e.target.value })}>
                        {GRADE_OPTIONS.map((g) => <Radio.Button key={g} value={g} data-testid={`grade-${i.id}-${g}`}>{g}</Radio.Button>)}
                      </Radio.Group>
                    ) : (
                      <InputNumber aria-label={`${i.id} ${i.name}（${i.unit}）`} data-testid={`value-${i.id}`} style={{ width: '100%' }}
                        status={err ? 'error' : ''} addonAfter={i.unit} value={it.value ?? null} disabled={readOnly}
                        placeholder={hi !== undefined ? `${lo}–${hi}` : i.integer ? '整数' : ''}
                        onChange={(v) => setInd(i.id, { value: typeof v === 'number' ? v : undefined })} />
                    )}
                  </div>
                  {err && <div className="field-error" role="alert" data-testid={`error-${i.id}`}>{err}</div>}
                  <Input style={{ marginTop: 6 }} aria-label={`${i.id} 数据来源或佐证`} placeholder="数据来源或佐证（选填）" value={it.evidence || ''}
                    disabled={readOnly} onChange={(e) => setInd(i.id, { evidence: e.target.value })} maxLength={2000} />
                  <ItemFilesSlot item={i.id} />
                </div>
              </div>
            );
          }),
        };
      })} />
    </Form>
  );
}

export function cleanIndustryBrain(p) {
  const indicators = {};
  for (const [id, it] of Object.entries(p.indicators || {})) {
    const o = {};
    if (typeof it.value === 'number') o.value = it.value;
    if (it.grade) o.grade = it.grade;
    if (!('value' in o) && !('grade' in o)) continue;
    if (it.evidence && it.evidence.trim()) o.evidence = it.evidence.trim();
    indicators[id] = o;
  }
  return { ...(p.cluster_name && p.cluster_name.trim() ? { cluster_name: p.cluster_name.trim() } : {}), indicators };
}
