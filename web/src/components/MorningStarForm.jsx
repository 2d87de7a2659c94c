import { memo, useCallback, useMemo } from 'react';
import { Collapse, Radio, Input, Tag, Form, Typography, Space } from 'antd';

const LEVEL_ZH = ['零', '一', '二', '三', '四', '五'];
export const levelText = (n) => (n === null || n === undefined ? '—' : n === 0 ? '未达一级' : `${LEVEL_ZH[n]}级`);

export function groupCriteria(criteria) {
  const cats = [];
  for (const c of criteria) {
    let cat = cats.find((x) => x.name === c.category);
    if (!cat) cats.push((cat = { name: c.category, indicators: [] }));
    let ind = cat.indicators.find((x) => x.name === c.indicator);
    if (!ind) cat.indicators.push((ind = { name: c.indicator, items: [] }));
    ind.items.push(c);
  }
  return cats;
}

export function Stars({ levels }) {
  return (
    <Space size={2} wrap aria-label={`星标等级：${levels.join('、')}级`}>
      {[1, 2, 3, 4, 5].map((l) => (
        <Tag key={l} color={levels.includes(l) ? 'blue' : undefined} style={{ opacity: levels.includes(l) ? 1 : 0.35, marginInlineEnd: 2 }}>
          {levels.includes(l) ? '★' : '☆'}{l}
        </Tag>
      ))}
    </Space>
  );
}

function errorsUnder(errors, prefix) {
  return Object.entries(errors).filter(([p]) => p === prefix || p.startsWith(prefix + '/')).map(([, m]) => m).join('；');
}

const CriterionRow = memo(function CriterionRow({ c, it, err, missing, readOnly, setItem }) {
  const metVal = it.met === true ? 'yes' : it.met === false ? 'no' : undefined;
  return (
    <div className={`criterion${missing ? ' missing' : ''}`} data-testid={`criterion-${c.id}`}>
      <div>
        <div><b>{c.id}</b> {c.name} {missing && <Tag color="orange">申报等级所需</Tag>}</div>
        <div className="desc">{c.description}</div>
        <Stars levels={c.levels} />
      </div>
      <div>
        <Radio.Group aria-label={`${c.id} ${c.name} 是否达标`} value={metVal} disabled={readOnly}
          onChange={(e) => setItem(c.id, { met: e.target.value === 'yes' })}>
          <Radio value="yes" data-testid={`met-${c.id}-yes`}>达标</Radio>
          <Radio value="no" data-testid={`met-${c.id}-no`}>未达标</Radio>
        </Radio.Group>
        <Form.Item style={{ margin: '6px 0 0' }} validateStatus={err ? 'error' : ''} help={err || undefined}>
          <Input aria-label={`${c.id} 佐证材料说明`} placeholder="佐证材料说明" value={it.evidence || ''} disabled={readOnly}
            data-testid={`evidence-${c.id}`} maxLength={2000}
            onChange={(e) => setItem(c.id, { evidence: e.target.value })} />
        </Form.Item>
      </div>
    </div>
  );
});

const EMPTY = {};

// The 72 items grouped by category and indicator; `value` is the morning_star payload and
// `setValue` a React state setter for it (rows re-render only when their own item changes).
export default function MorningStarForm({ catalog, value, setValue, errors, missingIds, readOnly }) {
  const groups = useMemo(() => groupCriteria(catalog.criteria), [catalog]);
  const criteria = value.criteria || EMPTY;
  const setItem = useCallback((id, patch) => {
    setValue((v) => {
      const cr = v.criteria || {};
      return { ...v, criteria: { ...cr, [id]: { ...(cr[id] || {}), ...patch } } };
    });
  }, [setValue]);
  const missing = new Set(missingIds || []);
  const levelErr = errors['/payload/claimed_level'];
  return (
    <Form layout="vertical" component="div">
      <Form.Item label="申报等级" htmlFor="claimed-level" required validateStatus={levelErr ? 'error' : ''} help={levelErr}>
        <Radio.Group id="claimed-level" aria-label="申报等级" value={value.claimed_level} disabled={readOnly}
          onChange={(e) => setValue((v) => ({ ...v, claimed_level: e.target.value }))} buttonStyle="solid">
          {catalog.levels.map((l) => <Radio.Button key={l} value={l} data-testid={`claimed-${l}`}>{levelText(l)}</Radio.Button>)}
        </Radio.Group>
      </Form.Item>
      <Collapse defaultActiveKey={groups.map((g) => g.name)} items={groups.map((g) => ({
        key: g.name,
        label: <span>{g.name}<Typography.Text type="secondary">（{g.indicators.reduce((n, i) => n + i.items.length, 0)} 项）</Typography.Text></span>,
        children: g.indicators.map((ind) => (
          <section key={ind.name} aria-label={ind.name}>
            <h4 style={{ margin: '8px 0 0', color: '#1456a0' }}>{ind.name}</h4>
            {ind.items.map((c) => (
              <CriterionRow key={c.id} c={c} it={criteria[c.id] || EMPTY} err={errorsUnder(errors, `/payload/criteria/${c.id}`)}
                missing={missing.has(c.id)} readOnly={readOnly} setItem={setItem} />
            ))}
          </section>
        )),
      }))} />
    </Form>
  );
}

// The payload as sent: items never answered are left out, empty evidence dropped.
export function cleanMorningStar(p) {
  const criteria = {};
  for (const [id, it] of Object.entries(p.criteria || {})) {
    if (it.met === undefined && !it.evidence) continue;
    const o = { met: it.met === true };
    if (it.evidence && it.evidence.trim()) o.evidence = it.evidence.trim();
    criteria[id] = o;
  }
  return { ...(p.claimed_level ? { claimed_level: p.claimed_level } : {}), criteria };
}
