import { useEffect, useState } from 'react';
import { Timeline, Alert, Spin, Typography, Tag } from 'antd';
import { api, errorText } from '../api.js';
import { ACTION, STATE, actorText, fmtTime } from '../labels.js';
import { useItemNames } from '../lib/itemNames.js';
import { pointerLabel } from '../lib/pointers.js';

const GENESIS = '0'.repeat(64);

// JSON with object keys sorted recursively, no whitespace, non-ASCII as is (as the workflow hashes it).
export function canonical(v) {
  const sort = (x) => {
    if (Array.isArray(x)) return x.map(sort);
    if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort(x[k])]));
    return x;
  };
  return JSON.stringify(sort(v));
}

async function sha256Hex(text) {
  const buf = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// The seq of the first entry whose link or hash is wrong, or null when the chain holds.
export async function firstBrokenSeq(items) {
  let prev = GENESIS;
  for (const e of [...items].sort((a, b) => a.seq - b.seq)) {
    const { hash, ...body } = e;
    if (e.prev_hash !== prev) return e.seq;
    if ((await sha256Hex(prev + canonical(body))) !== hash) return e.seq;
    prev = hash;
  }
  return null;
}

export function useHistory(id, reloadKey) {
  const [state, setState] = useState({ items: null, error: '', broken: undefined });
  useEffect(() => {
    let live = true;
    api(`/v1/declarations/${id}/history`).then(async ({ data }) => {
      const items = [...data.items].sort((a, b) => a.seq - b.seq);
      let broken;
      try { broken = await firstBrokenSeq(items); } catch { broken = 'unavailable'; }
      if (live) setState({ items, error: '', broken });
    }, (e) => live && setState({ items: null, error: errorText(e), broken: undefined }));
    return () => { live = false; };
  }, [id, reloadKey]);
  return state;
}

export default function History({ id, reloadKey }) {
  const { items, error, broken } = useHistory(id, reloadKey);
  const names = useItemNames();
  if (error) return <Alert type="error" message={error} />;
  if (!items) return <Spin tip="加载审计记录…"><div style={{ minHeight: 60 }} /></Spin>;
  return (
    <div data-testid="history">
      <div style={{ marginBottom: 12 }} data-testid="chain-status">
        {broken === null && <Alert type="success" showIcon message="✓ 已验证：审计记录哈希链完整（已在本浏览器中重新计算）" />}
        {typeof broken === 'number' && <Alert type="error" showIcon message={`✗ 哈希链在第 ${broken} 条记录处断开，记录可能被篡改`} />}
        {broken === 'unavailable' && <Alert type="warning" showIcon message="当前浏览器无法校验哈希链（需要 HTTPS 或本机访问）" />}
      </div>
      <Timeline items={items.map((e) => ({
        key: e.seq,
        color: e.action === 'reject' ? 'red' : e.action === 'return' ? 'orange' : e.action === 'approve' || e.action === 'end_publicity' ? 'green' : 'blue',
        children: (
          <div data-testid={`history-${e.seq}`}>
            <div><b>#{e.seq} {ACTION[e.action] || e.action}</b>　{fmtTime(e.at)}　{actorText(e.actor)}</div>
            <div>{e.from ? <Tag>{STATE[e.from] || e.from}</Tag> : null}{e.from ? '→ ' : ''}<Tag color="blue">{STATE[e.to] || e.to}</Tag></div>
            {e.comment && <div>意见：{e.comment}</div>}
            {e.changes?.length > 0 && (
              <div className="history-changes" data-testid={`history-changes-${e.seq}`}>
                {e.action === 'submit' ? '相对退回时的版本，修改了' : '修改了'}：{e.changes.map((p) => pointerLabel(p, names)).join('、')}
                {e.changes_truncated ? ' 等' : ''}
              </div>
            )}
            {e.action === 'update' && !e.changes?.length && e.changes !== undefined && <div className="history-changes">内容未变</div>}
            <Typography.Text className="hash" title={`前序哈希 ${e.prev_hash}`}>哈希 {e.hash}</Typography.Text>
          </div>
        ),
      }))} />
    </div>
  );
}
