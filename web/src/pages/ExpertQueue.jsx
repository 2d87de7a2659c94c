// An expert's queue (CONTRACT §8): the declarations assigned to it, those not yet reviewed first.
import { Card, Table, Alert, Button, Tag } from 'antd';
import { Link } from 'react-router-dom';
import usePaged from '../components/usePaged.js';
import { KIND, fmtTime } from '../labels.js';

export default function ExpertQueue() {
  const p = usePaged('/v1/reviews/assigned?limit=50');
  const columns = [
    { title: '申报编号', dataIndex: 'number', render: (v, r) => <Link to={`/d/${r.id}`} data-testid={`review-open-${v}`}>{v}</Link>, width: 210 },
    { title: '类型', dataIndex: 'kind', render: (k) => KIND[k] || k, width: 90 },
    { title: '名称', dataIndex: 'title', ellipsis: true },
    { title: '评审截止', dataIndex: 'due_at', render: fmtTime, width: 170 },
    { title: '状态', width: 100, render: (_, r) => (r.reviewed ? <Tag color="green">已提交</Tag> : <Tag color="orange">待评审</Tag>) },
  ];
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>待评审</h2>} extra={<Button onClick={p.reload}>刷新</Button>}>
      {p.error && <Alert type="error" showIcon message={p.error} style={{ marginBottom: 12 }} />}
      <Table rowKey="id" size="middle" columns={columns} dataSource={p.items} loading={p.loading} pagination={false} scroll={{ x: 720 }}
        data-testid="assigned" locale={{ emptyText: '暂无指派给您的评审' }} />
      {p.nextCursor && <Button onClick={p.more} loading={p.loading} style={{ marginTop: 8 }}>加载更多</Button>}
    </Card>
  );
}
