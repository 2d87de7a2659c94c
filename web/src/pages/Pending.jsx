import { useCallback, useEffect, useState } from 'react';
import { Card, Button, Space, Select, Input, Switch, Table, Alert, Tag, Typography, Grid } from 'antd';
import { Link, useSearchParams } from 'react-router-dom';
import { KIND, TIER } from '../labels.js';
import { useRegions, useDebounced } from '../data.js';
import { useRounds, fmtBeijing } from '../rounds.js';
import { errorText } from '../api.js';
import { fetchPending, queueFilters, queueQuery } from '../queue.js';
import { StateTag } from '../components/DeclarationTable.jsx';
import { levelText } from '../components/MorningStarForm.jsx';
import { loadingProp } from '../components/Loading.jsx';
import { ExportButton } from '../components/Downloads.jsx';

// 剩余工作日 of a queue item: red "超期 N 个工作日" once past due_at.
export function DaysLeft({ item }) {
  const left = item.working_days_left;
  const overdue = item.overdue === true || (typeof left === 'number' && left < 0)
    || (item.overdue === undefined && item.due_at && Date.parse(item.due_at) < Date.now());
  if (overdue) {
    const n = typeof left === 'number' && left < 0 ? -left : null;
    return <Typography.Text type="danger" strong data-testid="days-left" data-overdue="true">{n ? `超期 ${n} 个工作日` : '已超期'}</Typography.Text>;
  }
  if (typeof left === 'number') {
    return <Typography.Text type={left <= 1 ? 'warning' : undefined} data-testid="days-left">{left === 0 ? '今日到期' : `${left} 个工作日`}</Typography.Text>;
  }
  return <span data-testid="days-left">—</span>;
}

const claimText = (d) => {
  if (d.kind === 'industry_brain') {
    const t = d.total ?? d.score?.total;
    return t === undefined || t === null ? '—' : `${t} 分`;
  }
  return levelText(d.claimed_level ?? d.payload?.claimed_level);
};

// The caller's tier's queue in its jurisdiction: search, filters and sort kept in the URL query.
export default function Pending({ session }) {
  const { data: regions } = useRegions();
  const [sp, setSp] = useSearchParams();
  const f = queueFilters(sp);
  const key = queueQuery(f);
  const [text, setText] = useState(f.q || '');
  const q = useDebounced(text.trim(), 400);
  const rounds = useRounds({ kind: f.kind || '' });
  const [s, setS] = useState({ items: [], cursor: null, total: null, loading: false, error: '' });
  const phone = !Grid.useBreakpoint().sm; // the number stays at the left while the rest scrolls

  const set = useCallback((k, v) => setSp((old) => {
    const n = new URLSearchParams(old);
    if (v) n.set(k, v); else n.delete(k);
    return n;
  }, { replace: true }), [setSp]);
  useEffect(() => { if ((q || '') !== (sp.get('q') || '')) set('q', q); }, [q]); // eslint-disable-line react-hooks/exhaustive-deps

  const load = useCallback(async (cursor) => {
    setS((o) => ({ ...o, loading: true, error: '' }));
    try {
      const { data } = await fetchPending(queueFilters(new URLSearchParams(key)), { cursor });
      setS((o) => ({
        items: cursor ? [...o.items, ...data.items] : data.items, cursor: data.next_cursor,
        total: typeof data.total === 'number' ? data.total : null, loading: false, error: '',
      }));
    } catch (e) {
      setS((o) => ({ ...o, loading: false, error: errorText(e) }));
    }
  }, [key]);
  useEffect(() => { load(null); }, [load]);

  const cities = (regions?.cities || []).filter((c) => session.tier === 'province' || c.code === session.region);
  const countyOpts = session.tier === 'province'
    ? cities.map((c) => ({ label: c.name, title: c.name, options: c.counties.map((k) => ({ value: k.code, label: `${c.name}${k.name}` })) }))
    : (cities[0]?.counties || []).map((k) => ({ value: k.code, label: k.name }));
  const roundOpts = (rounds.items || []).map((r) => ({ value: r.id, label: r.title }));

  const columns = [
    { title: '申报编号', dataIndex: 'number', width: phone ? 140 : 190, fixed: phone ? 'left' : undefined, render: (v, r) => <Link to={`/d/${r.id}${key}`} data-testid={`open-${v}`}>{v}</Link> },
    { title: '企业名称', dataIndex: 'org_name', width: 160, render: (v) => v || '—' },
    { title: '申报名称', dataIndex: 'title', ellipsis: true, width: 220 },
    { title: '类型', dataIndex: 'kind', width: 80, render: (v) => KIND[v] || v },
    { title: '所属地区', dataIndex: 'region_name', width: 130, render: (v, r) => `${r.city_name || ''}${v || r.region}` },
    { title: '申报等级 / 总分', key: 'claim', width: 110, render: (_, r) => claimText(r) },
    { title: '剩余工作日', key: 'left', width: 130, render: (_, r) => <DaysLeft item={r} /> },
    { title: '截止时间（北京时间）', dataIndex: 'due_at', width: 160, render: (v) => (v ? <span data-testid="due-at">{fmtBeijing(v)}</span> : '—') },
    { title: '状态', dataIndex: 'state', width: 120, render: (v, r) => <Space size={4} wrap><StateTag state={v} />{r.escalated && <Tag color="red">下级超期</Tag>}</Space> },
  ];
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>待审队列 · {TIER[session.tier]}（{session.region}）</h2>}>
      <Typography.Paragraph type="secondary">
        {f.sort === 'due_at' ? '按截止时间排列，最先到期的在前。' : '按到达本级的时间排列，最早到达的在前。'}时间均为北京时间。
      </Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }} className="queue-filters">
        <Input.Search allowClear aria-label="搜索申报编号、统一社会信用代码、企业名称或申报名称" placeholder="编号 / 信用代码 / 企业名称 / 申报名称"
          data-testid="pending-q" style={{ width: 300, maxWidth: '100%' }} value={text}
          onChange={(e) => setText(e.target.value)} onSearch={(v) => { setText(v); set('q', v.trim()); }} />
        <Select aria-label="按申报批次筛选" data-testid="pending-round" style={{ width: 240, maxWidth: '100%' }} value={f.round || ''}
          onChange={(v) => set('round', v)} loading={rounds.loading} popupMatchSelectWidth={false}
          options={[{ value: '', label: '全部批次' }, ...roundOpts]} />
        <Select aria-label="按类型筛选" data-testid="pending-kind" style={{ width: 130 }} value={f.kind || ''}
          onChange={(v) => set('kind', v)}
          options={[{ value: '', label: '全部类型' }, ...Object.entries(KIND).map(([value, label]) => ({ value, label }))]} />
        {session.tier !== 'county' && (
          <Select aria-label="按县（市、区）筛选" data-testid="pending-county" style={{ width: 200, maxWidth: '100%' }} value={f.county || ''}
            onChange={(v) => set('county', v)} showSearch optionFilterProp="label"
            options={[{ value: '', label: '全部县（市、区）' }, ...countyOpts]} />
        )}
        <label><Switch size="small" checked={f.overdue === 'true'} onChange={(v) => set('overdue', v ? 'true' : '')}
          data-testid="pending-overdue" aria-label="只看超期" /> 只看超期</label>
        <Select aria-label="排序" data-testid="pending-sort" style={{ width: 150 }} value={f.sort || ''}
          onChange={(v) => set('sort', v)}
          options={[{ value: '', label: '按到达时间' }, { value: 'due_at', label: '按截止时间' }]} />
        <Button onClick={() => load(null)}>刷新</Button>
        <ExportButton path="/v1/reviews/pending" query={key} name="待审队列" testid="export-pending" />
      </Space>
      {s.error && <Alert type="error" showIcon message={s.error} style={{ marginBottom: 12 }} />}
      <div style={{ marginBottom: 8 }} data-testid="pending-total">
        {s.total !== null ? `共 ${s.total} 件` : `已加载 ${s.items.length} 件${s.cursor ? '，还有更多' : ''}`}
      </div>
      <Table rowKey="id" size="middle" columns={columns} dataSource={s.items} loading={loadingProp(s.loading)} pagination={false}
        data-testid="pending" scroll={{ x: 1300 }} tableLayout="fixed" locale={{ emptyText: Object.keys(f).length ? '没有符合条件的待审申报' : '暂无待审申报' }}
        rowClassName={(r) => (r.overdue ? 'row-overdue' : '')} />
      {s.cursor && <Button style={{ marginTop: 8 }} onClick={() => load(s.cursor)} loading={s.loading}>加载更多</Button>}
    </Card>
  );
}
