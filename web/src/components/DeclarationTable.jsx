import { Table, Tag, Button, Alert, Space, Grid } from 'antd';
import { Link } from 'react-router-dom';
import { STATE, STATE_COLOR, KIND, fmtTime } from '../labels.js';
import { loadingProp } from './Loading.jsx';

export function StateTag({ state }) {
  return <Tag color={STATE_COLOR[state]} data-testid="state">{STATE[state] || state}</Tag>;
}

// A page of declarations with a "load more" for the cursor.
// On a phone the number stays at the left while the other columns scroll under it.
export default function DeclarationTable({ items, loading, error, nextCursor, onMore, showRegion, testid = 'declarations' }) {
  const phone = !Grid.useBreakpoint().sm;
  const columns = [
    { title: '申报编号', dataIndex: 'number', ...(phone && { fixed: 'left', width: 140 }),
      render: (v, r) => <Link to={`/d/${r.id}`} data-testid={`open-${r.number}`}>{v}</Link> },
    { title: '类型', dataIndex: 'kind', render: (v) => KIND[v] || v, width: 100 },
    { title: '名称', dataIndex: 'title', ellipsis: true },
    ...(showRegion ? [{ title: '所属地区', dataIndex: 'region_name', render: (v, r) => `${r.city_name || ''}${v || r.region}`, width: 160 }] : []),
    { title: '状态', dataIndex: 'state', render: (v) => <StateTag state={v} />, width: 110 },
    { title: '更新时间', dataIndex: 'updated_at', render: fmtTime, width: 170 },
  ];
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {error && <Alert type="error" showIcon message={error} />}
      <Table rowKey="id" size="middle" columns={columns} dataSource={items} loading={loadingProp(loading)} pagination={false}
        data-testid={testid} scroll={{ x: 800 }} locale={{ emptyText: '暂无申报' }} />
      {nextCursor && <Button onClick={onMore} loading={loading}>加载更多</Button>}
    </Space>
  );
}
