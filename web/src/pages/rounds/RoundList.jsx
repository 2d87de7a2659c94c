import { useState } from 'react';
import { Card, Table, Select, Space, Button, Alert, Typography, Grid } from 'antd';
import { Link } from 'react-router-dom';
import { KIND, ROUND_STATE } from '../../labels.js';
import { useRounds, windowText, recommendedTotal } from '../../rounds.js';
import { RoundStateTag } from '../../components/RoundBits.jsx';
import { loadingProp } from '../../components/Loading.jsx';

// 申报批次: every round, newest first; the admin creates and edits them, everyone else reads.
// `counts` (declared, submitted, per-city recommended / quota) are shown when the reply has them.
export default function RoundList({ session }) {
  const [kind, setKind] = useState('');
  const [state, setState] = useState('');
  const { items, error, loading, reload } = useRounds({ kind, state });
  const admin = session.role === 'admin';
  const phone = !Grid.useBreakpoint().sm; // the title stays at the left while the rest scrolls
  const hasCounts = (items || []).some((r) => r.counts);
  const quotaTotal = (r) => Object.values(r.quotas || {}).reduce((a, b) => a + b, 0);
  const columns = [
    { title: '批次名称', dataIndex: 'title', ...(phone && { fixed: 'left', width: 130 }),
      render: (v, r) => <Link to={`/rounds/${r.id}`} data-testid={`round-open-${r.id}`}>{v}</Link> },
    { title: '状态', dataIndex: 'state', width: 90, render: (v) => <RoundStateTag state={v} /> },
    { title: '类型', dataIndex: 'kind', width: 100, render: (v) => KIND[v] || v },
    { title: '年度', dataIndex: 'year', width: 70 },
    { title: '申报时间（北京时间）', key: 'window', width: 300, render: (_, r) => windowText(r) },
    ...(hasCounts ? [
      { title: '已申报', key: 'declared', width: 80, render: (_, r) => r.counts?.declared ?? '—' },
      { title: '已提交', key: 'submitted', width: 80, render: (_, r) => r.counts?.submitted ?? '—' },
    ] : []),
    {
      title: hasCounts ? '已推荐 / 名额' : '推荐名额合计', key: 'quota', width: 120,
      render: (_, r) => <span data-testid={`round-quota-${r.id}`}>
        {hasCounts && r.counts ? `${recommendedTotal(r.counts)} / ` : ''}{Object.keys(r.quotas || {}).length ? quotaTotal(r) : '未设'}
      </span>,
    },
    ...(admin ? [{ title: '操作', key: 'op', width: 80, render: (_, r) => <Link to={`/rounds/${r.id}/edit`} data-testid={`round-edit-${r.id}`}>编辑</Link> }] : []),
  ];
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>申报批次</h2>}
      extra={admin && <Link to="/rounds/new"><Button type="primary" data-testid="round-new">新建批次</Button></Link>}>
      <Typography.Paragraph type="secondary">
        每个批次有申报起止时间、各级办理时限（工作日）和各设区市推荐名额；时间均为北京时间。
      </Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select aria-label="按类型筛选" data-testid="rounds-kind" style={{ width: 150 }} value={kind} onChange={setKind}
          options={[{ value: '', label: '全部类型' }, ...Object.entries(KIND).map(([value, label]) => ({ value, label }))]} />
        <Select aria-label="按状态筛选" data-testid="rounds-state" style={{ width: 150 }} value={state} onChange={setState}
          options={[{ value: '', label: '全部状态' }, ...Object.entries(ROUND_STATE).map(([value, label]) => ({ value, label }))]} />
        <Button onClick={reload}>刷新</Button>
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Table rowKey="id" size="middle" columns={columns} dataSource={items || []} loading={loadingProp(loading)} pagination={false}
        data-testid="rounds" scroll={{ x: 900 }} locale={{ emptyText: '暂无申报批次' }} />
    </Card>
  );
}
