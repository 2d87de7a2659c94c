import { useEffect, useState } from 'react';
import { Card, List, Button, Tag, Alert, Space, Typography } from 'antd';
import { Link } from 'react-router-dom';
import usePaged from '../components/usePaged.js';
import { loadingProp } from '../components/Loading.jsx';
import { api, errorText } from '../api.js';
import { fmtTime } from '../labels.js';
import { useUnread, setUnread, refreshUnread } from '../unread.js';

// The caller's inbox, newest first. 未读 is the server's count of all unread (`unread`), the same
// figure as the header badge, not what this page happens to hold.
export default function Inbox() {
  const p = usePaged('/v1/notifications?limit=20');
  const unread = useUnread();
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => { if (typeof p.last?.unread === 'number') setUnread(p.last.unread); }, [p.last]);
  const markRead = async (n) => {
    try {
      await api(`/v1/notifications/${n.id}/read`, { method: 'POST' });
      p.setItems((items) => items.map((i) => (i.id === n.id ? { ...i, read: true } : i)));
      if (typeof unread === 'number' && unread > 0) setUnread(unread - 1);
      refreshUnread();
    } catch (e) { setErr(errorText(e)); }
  };
  const markAll = async () => {
    setBusy(true); setErr('');
    try {
      const { data } = await api('/v1/notifications/read', { method: 'POST', body: { all: true } });
      p.setItems((items) => items.map((i) => ({ ...i, read: true })));
      setUnread(typeof data?.unread === 'number' ? data.unread : 0);
    } catch (e) { setErr(errorText(e)); } finally { setBusy(false); }
  };
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>消息 {unread
      ? <Tag color="red" data-testid="inbox-unread" data-count={unread}>{unread} 条未读</Tag>
      : <Tag data-testid="inbox-unread" data-count={unread ?? ''}>{unread === 0 ? '没有未读' : '…'}</Tag>}</h2>}
      extra={<Space wrap size={8}>
        <Button onClick={markAll} loading={busy} disabled={!unread} data-testid="inbox-read-all">全部标为已读</Button>
        <Button onClick={p.reload} data-testid="inbox-reload">刷新</Button>
      </Space>}>
      {(p.error || err) && <Alert type="error" showIcon message={p.error || err} style={{ marginBottom: 12 }} />}
      <List data-testid="inbox" loading={loadingProp(p.loading)} dataSource={p.items} locale={{ emptyText: '暂无消息' }}
        renderItem={(n) => (
          <List.Item data-testid="notification" className="notification" actions={[
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
