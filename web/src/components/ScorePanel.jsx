import { useEffect, useState } from 'react';
import { Alert, Button, Typography, Tag } from 'antd';
import { api } from '../api.js';
import { useDebounced } from '../data.js';
import { levelText } from './MorningStarForm.jsx';
import { jumpTo } from '../lib/pointers.js';

// POST /v1/scoring/preview for {kind, payload, verified?}, ~300 ms after the last change.
export function usePreview(kind, payload, verified) {
  const body = JSON.stringify({ kind, payload, ...(verified ? { verified } : {}) });
  const debounced = useDebounced(body, 300);
  const [score, setScore] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!kind) return undefined; // the declaration is still loading: nothing to score yet
    let live = true;
    api('/v1/scoring/preview', { method: 'POST', body: JSON.parse(debounced) })
      .then(({ data }) => { if (live) { setScore(data); setError(''); } })
      .catch(() => live && setError('评分预览暂不可用'));
    return () => { live = false; };
  }, [debounced]); // eslint-disable-line react-hooks/exhaustive-deps
  return { score, error, pending: debounced !== body };
}

// The pinned summary above the 72 items: the level reached, the level claimed and how many starred
// items are still missing. The list of missing items is folded (it can be long: 28 items at 二级)
// and, when open, scrolls within at most a fifth of the screen; each item jumps to its row.
export function MorningStarScore({ score, claimed, names, error }) {
  const [open, setOpen] = useState(false);
  if (error) return <Alert type="warning" showIcon message={error} />;
  if (!score) return <Alert type="info" message={<span role="status">正在计算自评等级…</span>} />;
  const reached = score.self_assessed_level ?? 0;
  const want = claimed || score.claimed_level;
  const missing = want && want > reached ? score.missing?.[String(want)] || [] : [];
  const type = reached === 0 || missing.length ? 'warning' : 'success';
  return (
    <Alert type={type} showIcon data-testid="ms-summary"
      message={<span aria-live="polite">自评已达等级：<b data-testid="ms-level" data-level={reached}>{levelText(reached)}</b>
        {want ? <>　申报等级：<b>{levelText(want)}</b></> : '　（尚未选择申报等级）'}</span>}
      description={want ? (missing.length ? (
        <div data-testid="ms-missing">
          达到申报等级还缺 <b>{missing.length}</b> 项星标条目
          <Button type="link" size="small" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="ms-missing-toggle">
            {open ? '收起' : '查看是哪些'}
          </Button>
          <span className="sr-only">{missing.join('、')}</span>
          {open && (
            <div className="missing-list">
              {missing.map((id) => (
                <Tag key={id} title={names?.[id]} style={{ cursor: 'pointer' }} onClick={() => jumpTo(`/payload/criteria/${id}`)}>{id} {names?.[id]}</Tag>
              ))}
            </div>
          )}
        </div>
      ) : <span data-testid="ms-missing">已满足申报等级的全部星标条目。</span>) : null} />
  );
}

export function IndustryBrainScore({ score, error }) {
  if (error) return <Alert type="warning" showIcon message={error} />;
  if (!score) return <Alert type="info" message="正在计算得分…" />;
  return (
    <Alert type="info" showIcon
      message={<span aria-live="polite">自评总分：<b data-testid="ib-total">{score.total}</b> / 100</span>}
      description={<Typography.Text type="secondary">
        {Object.entries(score.dimensions || {}).map(([k, d]) => `${k} ${d.points}/${d.max}`).join('　')}
        {score.missing?.length ? `　尚未填写 ${score.missing.length} 项` : ''}
      </Typography.Text>} />
  );
}
