import { Radio, Alert, Space, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { KIND } from '../labels.js';
import { roundWhen, windowText } from '../rounds.js';
import { RoundStateTag } from './RoundBits.jsx';
import Loading from './Loading.jsx';

export const openRounds = (items) => (items || []).filter((r) => r.state === 'open');

// The rounds of one programme as a choice: open ones selectable, the others shown disabled with
// their dates ("已截止 2026-03-31", "2026-05-01 开始").
export default function RoundPicker({ kind, rounds, value, onChange }) {
  if (rounds.error) return <Alert type="error" showIcon message={`申报批次加载失败：${rounds.error}`} />;
  if (!rounds.items) return <Loading block={false} text="正在加载申报批次…" />;
  if (!rounds.items.length) return <Typography.Text type="secondary">尚无{KIND[kind]}申报批次</Typography.Text>;
  return (
    <Radio.Group value={value} onChange={(e) => onChange(e.target.value)} aria-label="申报批次" data-testid="round-picker">
      <div className="round-choice">
        {rounds.items.map((r) => (
          <div key={r.id} className="round-option">
            <Radio value={r.id} disabled={r.state !== 'open'} data-testid={`round-${r.id}`}>
              <Space size={4} wrap>
                <b>{r.title}</b>
                <RoundStateTag state={r.state} />
                <span className="when" data-testid={`round-when-${r.id}`}>{r.state === 'open' ? `${windowText(r)}（北京时间）` : roundWhen(r)}</span>
              </Space>
            </Radio>
            <Link to={`/rounds/${r.id}`} aria-label={`${r.title} 批次详情`}>详情</Link>
          </div>
        ))}
      </div>
    </Radio.Group>
  );
}

// Said plainly when a programme takes no declarations now, with the rounds and their dates.
export function NoOpenRound({ kind, rounds }) {
  const upcoming = (rounds || []).filter((r) => r.state === 'scheduled');
  return (
    <Alert type="warning" showIcon data-testid="no-open-round"
      message={`当前没有开放申报的${KIND[kind]}批次，暂不能新建申报。`}
      description={<div>
        {upcoming.length ? <div>下一批次：{upcoming.map((r) => `${r.title}（${roundWhen(r)}）`).join('；')}</div> : <div>请关注主管部门发布的申报通知。</div>}
        {(rounds || []).filter((r) => r.state === 'closed').slice(0, 3).map((r) => <div key={r.id}>{r.title}：{roundWhen(r)}</div>)}
        <div style={{ marginTop: 8 }}><Link to="/mine">返回我的申报</Link></div>
      </div>} />
  );
}
