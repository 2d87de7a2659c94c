import { Card, List, Button, Tag, Alert, Space, Typography } from 'antd';
import { Link } from 'react-router-dom';
import usePaged from '../components/usePaged.js';
import { api, errorText } from '../api.js';
import { fmtTime } from '../labels.js';
import { useState } from 'react';

export default function Inbox() {
  const p = usePaged('/v1/notifications?limit=20');
  const [err, setErr] = useState('');
  const markRead = async (n) => {
    try {
      await api(`/v1/notifications/${n.id}/read`, { method: 'POST' });
      p.setItems((items) => items.map((i) => (i.id === n.id ? { ...i, read: true } : i)));
    } catch (e) { setErr(errorText(e)); }
  };
  const unread = p.items.filter((i) => !i.read).length;
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>消息 {unread ? <Tag color="red">{unread} 条未读</Tag> : null}</h2>}
      extra={<Button onClick={p.reload} data-testid="inbox-reload">刷新</Button>}>
      {(p.error || err) && <Alert type="error" showIcon message={p.error || err} style={{ marginBottom: 12 }} />}
      <List data-testid="inbox" loading={p.loading} dataSource={p.items} locale={{ emptyText: '暂无消息' }}
        renderItem={(n) => (
          <List.Item data-testid="notification" actions={[
            n.read ? <Typography.Text type="secondary" key="r">已读</Typography.Text>
              : <Button key="m" size="small" onClick={() => markRead(n)} aria-label={`将“${n.body}”标为已读`}>标为已读</Button>,
          ]}>
            <List.Item.Meta
              title={<Space wrap>{!n.read && <Tag color="red">未读</Tag>}<span style={{ fontWeight: n.read ? 400 : 600 }}>{n.body}</span></Space>}
              description={<Space wrap>
                <span>{fmtTime(n.created_at)}</span>
                {n.declaration_id && <Link to={`/d/${n.declaration_id}`} onClick={() => !n.read && markRead(n)}>{n.number} {n.title}</Link>}
              </Space>} />
          </List.Item>
        )} />
      {p.nextCursor && <Button onClick={p.more} loading={p.loading}>加载更多</Button>}
    </Card>
  );
}
