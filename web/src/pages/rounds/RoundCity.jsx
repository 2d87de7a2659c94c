import { useCallback, useEffect, useState } from 'react';
import { Card, Table, Alert, Button, Space, Typography, Tag, App } from 'antd';
import { Link, useParams } from 'react-router-dom';
import { api, errorText, ApiError } from '../../api.js';
import { KIND } from '../../labels.js';
import { useRound, useRounds } from '../../rounds.js';
import { RoundStateTag } from '../../components/RoundBits.jsx';
import { StateTag } from '../../components/DeclarationTable.jsx';
import { levelText } from '../../components/MorningStarForm.jsx';
import Loading, { loadingProp } from '../../components/Loading.jsx';
import { ExportButton } from '../../components/Downloads.jsx';

// Whether `session` may rank city `city`'s recommendations (its own city reviewers only).
export const canRank = (session, city) => session.role === 'reviewer' && session.tier === 'city' && session.region === city;
// Whether `session` may read them (the city's reviewers, province reviewers, the admin).
export const canSeeRanking = (session, city) => session.role === 'admin'
  || (session.role === 'reviewer' && (session.tier === 'province' || canRank(session, city)));

// 名额 as people read it: "已用 3 / 共 8，剩余 5", or "不限名额" for a round without quotas.
export function quotaText(used, quota) {
  if (quota === null || quota === undefined) return `已推荐 ${used}（本批次不限名额）`;
  return `已用 ${used} / 共 ${quota}，剩余 ${Math.max(0, quota - used)}`;
}

const scoreText = (r) => (r.kind === 'industry_brain'
  ? (r.total === null || r.total === undefined ? '—' : `${r.total} 分`)
  : `申报${levelText(r.claimed_level)} · 核定${levelText(r.verified_level)}`);

// 本市推荐排序: a city's recommendations in a round, in its order (CONTRACT §6). The city's reviewers
// move them up and down and save the order; the province and the admin read the ranks.
export default function RoundCity({ session }) {
  const { id, city } = useParams();
  const { message } = App.useApp();
  const { round } = useRound(id);
  const [rec, setRec] = useState(null);
  const [order, setOrder] = useState([]);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const editable = canRank(session, city);

  const load = useCallback(() => api(`/v1/rounds/${id}/recommendations/${city}`).then(
    ({ data }) => { setRec(data); setOrder(data.items); setError(''); },
    (e) => setError(errorText(e))), [id, city]);
  useEffect(() => { load(); }, [load]);

  const saved = rec?.items.map((i) => i.id).join(',') ?? '';
  const dirty = order.map((i) => i.id).join(',') !== saved;
  const move = (i, d) => {
    const n = [...order];
    [n[i], n[i + d]] = [n[i + d], n[i]];
    setOrder(n);
  };
  const save = async () => {
    setBusy(true); setNotice('');
    try {
      const { data } = await api(`/v1/rounds/${id}/recommendations/${city}`, { method: 'PUT', body: { ids: order.map((i) => i.id) } });
      setRec(data); setOrder(data.items);
      message.success('推荐排序已保存');
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        // The list changed meanwhile (a recommendation added or freed): start again from the current one.
        await load();
        setNotice(`推荐名单已发生变化，已重新加载最新名单，请重新排序后保存。（${errorText(e)}）`);
      } else {
        setNotice(errorText(e));
      }
    } finally { setBusy(false); }
  };

  if (error) return <Alert type="error" showIcon message={error} action={<Button onClick={load}>重试</Button>} />;
  if (!rec) return <Loading />;

  const columns = [
    { title: '排名', key: 'rank', width: 64, render: (_, r, i) => <b data-testid={`rank-${r.number}`}>{editable ? i + 1 : (r.recommendation_rank ?? '—')}</b> },
    { title: '申报编号', dataIndex: 'number', width: 200, render: (v, r) => <Link to={`/d/${r.id}`} data-testid={`rec-open-${v}`}>{v}</Link> },
    { title: '企业名称', dataIndex: 'org_name', width: 200, render: (v) => v || '—' },
    { title: '申报名称', dataIndex: 'title', ellipsis: true },
    { title: '类型', dataIndex: 'kind', width: 90, render: (v) => KIND[v] || v },
    { title: '等级 / 总分', key: 'score', width: 190, render: (_, r) => scoreText(r) },
    { title: '状态', dataIndex: 'state', width: 100, render: (v) => <StateTag state={v} /> },
    ...(editable ? [{
      title: '调整', key: 'move', width: 130, fixed: 'right', render: (_, r, i) => (
        <Space size={4}>
          <Button size="small" disabled={i === 0 || busy} onClick={() => move(i, -1)}
            aria-label={`${r.number} 上移`} data-testid={`up-${r.number}`}>上移</Button>
          <Button size="small" disabled={i === order.length - 1 || busy} onClick={() => move(i, 1)}
            aria-label={`${r.number} 下移`} data-testid={`down-${r.number}`}>下移</Button>
        </Space>
      ),
    }] : []),
  ];
  return (
    <Card data-testid="ranking"
      title={<h2 style={{ margin: 0, fontSize: 18 }}>{rec.city_name}推荐排序</h2>}
      extra={<Space wrap>
        <Link to={`/rounds/${id}`}>返回批次</Link>
        <Button onClick={() => { setNotice(''); load(); }} data-testid="ranking-reload">刷新</Button>
        <ExportButton path={`/v1/rounds/${id}/recommendations`} query={`city=${city}`} name={`${rec.city_name || city}推荐汇总表`}
          testid="export-recommendations" />
      </Space>}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Text>{round ? round.title : ''}</Typography.Text>
        <Space wrap>
          <span>推荐名额：</span>
          <Tag color={rec.quota !== null && rec.used >= rec.quota ? 'red' : 'blue'} data-testid="ranking-quota">{quotaText(rec.used, rec.quota)}</Tag>
        </Space>
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {editable
            ? '市级审核通过即为本市推荐。用上移、下移调整先后顺序，排在前面的优先，调整后点“保存排序”。'
            : '本市审核员确定的推荐先后顺序（第 1 名最优先），省级审核时参考。'}
        </Typography.Paragraph>
        {notice && <Alert type="warning" showIcon role="alert" message={notice} data-testid="ranking-notice" />}
        <Table rowKey="id" size="middle" columns={columns} dataSource={editable ? order : rec.items} pagination={false}
          data-testid="ranking-table" scroll={{ x: 1000 }} locale={{ emptyText: '本批次暂无本市推荐' }} />
        {editable && (
          <Space wrap>
            <Button type="primary" onClick={save} loading={busy} disabled={!dirty || !order.length} data-testid="ranking-save">保存排序</Button>
            <Button onClick={() => setOrder(rec.items)} disabled={!dirty || busy}>撤销调整</Button>
            {dirty && <Typography.Text type="warning">排序已调整，尚未保存</Typography.Text>}
          </Space>
        )}
      </Space>
    </Card>
  );
}

// 本市推荐排序 from the nav (a city reviewer): its city's places in each round, each linked to its ranking.
export function CityRankingRounds({ session }) {
  const { items, error, loading, reload } = useRounds();
  const city = session.region;
  const columns = [
    { title: '批次名称', dataIndex: 'title', render: (v, r) => <Link to={`/rounds/${r.id}/cities/${city}`} data-testid={`rank-round-${r.id}`}>{v}</Link> },
    { title: '类型', dataIndex: 'kind', width: 90, render: (v) => KIND[v] || v },
    { title: '状态', dataIndex: 'state', width: 90, render: (v) => <RoundStateTag state={v} /> },
    { title: '本市名额', key: 'quota', width: 200, render: (_, r) => {
      const c = r.counts?.cities?.[city];
      const quota = c ? c.quota : (Object.keys(r.quotas || {}).length ? (r.quotas[city] ?? 0) : null);
      return quotaText(c?.recommended ?? 0, quota);
    } },
  ];
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>本市推荐排序</h2>} extra={<Button onClick={reload}>刷新</Button>}>
      <Typography.Paragraph type="secondary">选择申报批次，调整本市推荐的先后顺序。</Typography.Paragraph>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Table rowKey="id" size="middle" columns={columns} dataSource={items || []} loading={loadingProp(loading)} pagination={false}
        data-testid="ranking-rounds" scroll={{ x: 600 }} locale={{ emptyText: '暂无申报批次' }} />
    </Card>
  );
}
