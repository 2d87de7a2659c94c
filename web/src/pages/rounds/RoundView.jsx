import { Card, Descriptions, Table, Alert, Button, Space, Row, Col, Statistic } from 'antd';
import { Link, useParams } from 'react-router-dom';
import { KIND, TIER } from '../../labels.js';
import { useRegions } from '../../data.js';
import { useRound, windowText, recommendedTotal } from '../../rounds.js';
import { RoundStateTag } from '../../components/RoundBits.jsx';
import { canRank, canSeeRanking } from './RoundCity.jsx';
import RoundStats from '../../components/RoundStats.jsx';
import Loading, { loadingProp } from '../../components/Loading.jsx';

// One round's page: its terms and, per city, the quota (and recommendations once `counts` come).
// Read-only for everyone but the admin, who gets an 编辑 button. A city's ranking of its
// recommendations hangs off the per-city rows (/rounds/:id/cities/:city) for those who may read it.
export default function RoundView({ session }) {
  const { id } = useParams();
  const { round, error, reload } = useRound(id);
  const { data: regions } = useRegions();
  if (error) return <Alert type="error" showIcon message={error} action={<Button onClick={reload}>重试</Button>} />;
  if (!round) return <Loading />;
  const admin = session.role === 'admin';
  const days = round.review_working_days || {};
  const counts = round.counts;
  const cityCounts = counts?.cities || {};
  const cities = (regions?.cities || []).map((c) => ({
    code: c.code, name: c.name,
    quota: cityCounts[c.code]?.quota ?? round.quotas?.[c.code],
    recommended: cityCounts[c.code]?.recommended,
  }));
  const quotaSum = Object.values(round.quotas || {}).reduce((a, b) => a + b, 0);
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle" data-testid="round-view">
      <Card title={<h2 style={{ margin: 0, fontSize: 18 }} data-testid="round-title">{round.title}</h2>}
        extra={<Space wrap>
          {session.role === 'reviewer' && session.tier === 'city' && (
            <Link to={`/rounds/${round.id}/cities/${session.region}`}><Button data-testid="round-my-ranking">本市推荐排序</Button></Link>)}
          <Button onClick={reload} data-testid="round-reload">刷新</Button>
          {admin && <Link to={`/rounds/${round.id}/edit`}><Button type="primary" data-testid="round-edit">编辑</Button></Link>}
        </Space>}>
        <Descriptions size="small" bordered column={{ xs: 1, sm: 1, md: 2, lg: 3 }} items={[
          { key: 'k', label: '类型', children: KIND[round.kind] || round.kind },
          { key: 'y', label: '年度', children: round.year },
          { key: 's', label: '状态', children: <RoundStateTag state={round.state} /> },
          { key: 'w', label: '申报时间（北京时间）', children: <span data-testid="round-window">{windowText(round)}</span> },
          { key: 'd', label: '办理时限（工作日）', children: <span data-testid="round-days">
            {['county', 'city', 'province'].map((t) => `${TIER[t]} ${days[t] ?? '—'}`).join('　')}</span> },
          { key: 'p', label: '公示期', children: `${round.publicity_working_days} 个工作日` },
          { key: 'v', label: '认定有效期', children: `${round.validity_years} 年` },
          { key: 'q', label: '推荐名额合计', children: Object.keys(round.quotas || {}).length ? quotaSum : '未设' },
        ]} />
        {counts && (
          <Row gutter={[16, 12]} style={{ marginTop: 16 }} data-testid="round-counts">
            <Col xs={12} md={6}><Statistic title="已申报" value={counts.declared ?? 0} /></Col>
            <Col xs={12} md={6}><Statistic title="已提交" value={counts.submitted ?? 0} /></Col>
            <Col xs={12} md={6}><Statistic title="已推荐" value={recommendedTotal(counts)} /></Col>
            <Col xs={12} md={6}><Statistic title="推荐名额" value={quotaSum} /></Col>
          </Row>
        )}
      </Card>
      {(admin || session.role === 'reviewer') && <RoundStats roundId={round.id} kind={round.kind} admin={admin} showCities={!counts} />}
      <Card title="各设区市推荐名额">
        <Table rowKey="code" size="small" pagination={false} dataSource={cities} data-testid="round-cities" scroll={{ x: 480 }}
          loading={loadingProp(!regions)}
          columns={[
            { title: '设区市', dataIndex: 'name' },
            { title: '推荐名额', dataIndex: 'quota', render: (v, c) => <span data-testid={`quota-view-${c.code}`}>{v ?? '未设'}</span> },
            ...(counts ? [
              { title: '已推荐', dataIndex: 'recommended', render: (v, c) => <span data-testid={`rec-view-${c.code}`}>{v ?? 0}</span> },
              { title: '剩余', key: 'left', render: (_, c) => (c.quota === undefined ? '—' : Math.max(0, c.quota - (c.recommended || 0))) },
            ] : []),
            ...(cities.some((c) => canSeeRanking(session, c.code)) ? [{
              title: '推荐名单', key: 'rank', render: (_, c) => (canSeeRanking(session, c.code)
                ? <Link to={`/rounds/${round.id}/cities/${c.code}`} data-testid={`city-ranking-${c.code}`}>{canRank(session, c.code) ? '排序' : '查看排序'}</Link>
                : null),
            }] : []),
          ]} />
      </Card>
    </Space>
  );
}
