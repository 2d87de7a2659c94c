import { memo, useCallback, useMemo } from 'react';
import { ItemFilesSlot } from './Files.jsx';
import { Alert, Collapse, Radio, Input, Tag, Form, Typography, Space } from 'antd';

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

// A reviewer's verdict on one item, v1 boolean or {ok, comment} (CONTRACT §7).
export const verdictOk = (v) => (v && typeof v === 'object' ? v.ok : v);
export const verdictComment = (v) => (v && typeof v === 'object' ? v.comment || '' : '');

const CriterionRow = memo(function CriterionRow({ c, it, err, missing, readOnly, setItem, review, changed }) {
  const metVal = it.met === true ? 'yes' : it.met === false ? 'no' : undefined;
  const flagged = review !== undefined && verdictOk(review) === false;
  return (
    <div className={`criterion${missing ? ' missing' : ''}${err ? ' has-error' : ''}${flagged ? ' flagged' : ''}`} data-testid={`criterion-${c.id}`}>
      <div>
        <div>
          <b>{c.id}</b> {c.name} {missing && <Tag color="orange">申报等级所需</Tag>}
          {changed && <Tag color="blue" data-testid={`changed-${c.id}`}>本次已修改</Tag>}
        </div>
        <div className="desc">{c.description}</div>
        <Stars levels={c.levels} />
        {flagged && (
          <div className="review-note" data-testid={`review-note-${c.id}`}>
            审核员核验：不通过{verdictComment(review) ? `。${verdictComment(review)}` : ''}
          </div>
        )}
      </div>
      <div>
        <Radio.Group aria-label={`${c.id} ${c.name} 是否达标`} value={metVal} disabled={readOnly}
          onChange={(e) => setItem(c.id, { met: e.target.value === 'yes' })}>
          <Radio value="yes" data-testid={`met-${c.id}-yes`}>达标</Radio>
          <Radio value="no" data-testid={`met-${c.id}-no`}>未达标</Radio>
        </Radio.Group>
        {err && <div className="field-error" role="alert">{err}</div>}
        <Input aria-label={`${c.id} 佐证材料说明`} placeholder="佐证材料说明（选填）" value={it.evidence || ''} disabled={readOnly}
          data-testid={`evidence-${c.id}`} maxLength={2000} style={{ marginTop: 6 }}
          onChange={(e) => setItem(c.id, { evidence: e.target.value })} />
        <ItemFilesSlot item={c.id} />
      </div>
    </div>
  );
});

// What the stars mean, said once above the 72 items.
export function StarsLegend({ criteria }) {
  const none = criteria.filter((c) => !c.levels.length);
  return (
    <Alert type="info" showIcon style={{ marginBottom: 12 }} data-testid="stars-legend"
      message="星标说明"
      description={<div>
        每个条目后的 ★1–★5 标出哪些等级要求该条目（蓝色为要求，灰色为不要求）。自评达到某一等级，须满足该等级标有 ★ 的全部条目；
        申报等级所需而尚未达标的条目以黄色标出。
        {none.length > 0 && <> {none.map((c) => `${c.id}（${c.name}）`).join('、')}在评价指标体系中没有任何等级的 ★，
          可以填报，但不计入任何等级的认定。</>}
      </div>} />
  );
}

const EMPTY = {};

// The 72 items grouped by category and indicator; `value` is the morning_star payload and
// `setValue` a React state setter for it (rows re-render only when their own item changes).
// `reviews` maps item ids to the returning reviewer's verdicts, `changed` is the set of items edited
// since the returned version. Each row shows its evidence files when a FilesContext provides them.
export default function MorningStarForm({ catalog, value, setValue, errors, missingIds, readOnly, reviews = EMPTY, changed }) {
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
      <StarsLegend criteria={catalog.criteria} />
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
                missing={missing.has(c.id)} readOnly={readOnly} setItem={setItem}
                review={reviews[c.id]} changed={changed?.has(c.id)} />
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
