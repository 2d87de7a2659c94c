import { Collapse, Radio, Input, InputNumber, Form, Typography, Tag } from 'antd';

function errorsUnder(errors, prefix) {
  return Object.entries(errors).filter(([p]) => p === prefix || p.startsWith(prefix + '/')).map(([, m]) => m).join('；');
}

export const GRADE_OPTIONS = ['A', 'B', 'C', 'D'];

// The 32 indicators grouped by dimension; `value` is the industry_brain payload.
export default function IndustryBrainForm({ catalog, value, onChange, errors, score, readOnly }) {
  const inds = value.indicators || {};
  const setInd = (id, patch) => onChange({ ...value, indicators: { ...inds, [id]: { ...(inds[id] || {}), ...patch } } });
  const clusterErr = errors['/payload/cluster_name'];
  return (
    <Form layout="vertical" component="div">
      <Form.Item label="产业集群名称" htmlFor="cluster-name" required validateStatus={clusterErr ? 'error' : ''} help={clusterErr}>
        <Input id="cluster-name" data-testid="cluster-name" value={value.cluster_name || ''} disabled={readOnly}
          onChange={(e) => onChange({ ...value, cluster_name: e.target.value })} maxLength={200} />
      </Form.Item>
      <Collapse defaultActiveKey={catalog.dimensions.map((d) => d.id)} items={catalog.dimensions.map((d) => {
        const ds = score?.dimensions?.[d.id];
        return {
          key: d.id,
          label: <span>{d.id} {d.name}{ds && <Typography.Text type="secondary">　得分 {ds.points} / {ds.max}</Typography.Text>}</span>,
          children: catalog.indicators.filter((i) => i.dimension === d.id).map((i) => {
            const it = inds[i.id] || {};
            const err = errorsUnder(errors, `/payload/indicators/${i.id}`);
            const pts = score?.indicators?.[i.id];
            const grade = i.input === 'grade' || (!i.unit && i.grades);
            return (
              <div key={i.id} className="criterion" data-testid={`indicator-${i.id}`}>
                <div>
                  <div><b>{i.id}</b> {i.name} {i.unit && <Tag>{i.unit}</Tag>} {pts && <Typography.Text type="secondary">得分 {pts.points} / {pts.max}</Typography.Text>}</div>
                  <div className="desc">{i.description}</div>
                  {i.value_note && <div className="desc">说明：{i.value_note}</div>}
                  {grade && i.grades && (
                    <ul className="desc" style={{ paddingInlineStart: 18, margin: '4px 0' }}>
                      {GRADE_OPTIONS.map((g) => <li key={g}><b>{g}</b>：{i.grades[g]}</li>)}
                      {i.grades_note && <li style={{ listStyle: 'none' }}><i>{i.grades_note}</i></li>}
                    </ul>
                  )}
                </div>
                <div>
                  <Form.Item style={{ margin: 0 }} validateStatus={err ? 'error' : ''} help={err}>
                    {grade ? (
                      <Radio.Group aria-label={`${i.id} ${i.name} 等级`} value={it.grade} disabled={readOnly} buttonStyle="solid"
                        onChange={(e) => setInd(i.id, { grade: e.target.value })}>
                        {GRADE_OPTIONS.map((g) => <Radio.Button key={g} value={g} data-testid={`grade-${i.id}-${g}`}>{g}</Radio.Button>)}
                      </Radio.Group>
                    ) : (
                      <InputNumber aria-label={`${i.id} ${i.name}（${i.unit}）`} data-testid={`value-${i.id}`} style={{ width: '100%' }}
                        min={i.value_range ? i.value_range[0] : 0} max={i.value_range ? i.value_range[1] : undefined}
                        addonAfter={i.unit} value={it.value ?? null} disabled={readOnly}
                        onChange={(v) => setInd(i.id, { value: v ?? undefined })} />
                    )}
                    <Input style={{ marginTop: 6 }} aria-label={`${i.id} 数据来源或佐证`} placeholder="数据来源或佐证" value={it.evidence || ''}
                      disabled={readOnly} onChange={(e) => setInd(i.id, { evidence: e.target.value })} maxLength={2000} />
                  </Form.Item>
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
