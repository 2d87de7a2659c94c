import { useCallback, useEffect, useState } from 'react';
import { Card, Row, Col, Statistic, Table, Alert, Button, Space, Typography } from 'antd';
import { api, errorText } from '../api.js';
import { levelText } from './MorningStarForm.jsx';
import Loading from './Loading.jsx';
import { ExportButton } from './Downloads.jsx';

// 统计 of one round in the caller's jurisdiction (GET /v1/stats?round=): declared, submitted, at each
// tier, each city's recommendations against its quota, approved 晨星工厂 ratings per level.
// `showCities`: false when the page already shows each city's recommendations against its quota.
export default function RoundStats({ roundId, kind, admin, showCities = true }) {
  const [s, setS] = useState({ data: null, error: '' });
  const load = useCallback(() => api(`/v1/stats?round=${encodeURIComponent(roundId)}`).then(
    ({ data }) => setS({ data: data.round || null, error: data.round ? '' : '统计数据暂不可用' }),
    (e) => setS({ data: null, error: errorText(e) })), [roundId]);
  useEffect(() => { load(); }, [load]);
  const r = s.data;
  const cities = Object.entries(r?.recommended || {}).map(([code, c]) => ({ code, ...c }))
    .sort((a, b) => a.code.localeCompare(b.code));
  const recommended = cities.reduce((n, c) => n + (c.recommended || 0), 0);
  const byLevel = r?.approved_by_level || {};
  const levels = [...new Set(['1', '2', '3', '4', '5', ...Object.keys(byLevel)])].sort((a, b) => Number(a) - Number(b))
    .map((l) => [l, byLevel[l] || 0]);
  const approved = Object.values(r?.approved_by_level || {}).reduce((a, b) => a + b, 0);
  const tier = r?.at_tier || {};
  return (
    <Card title="统计" data-testid="round-stats" extra={<Space wrap><ExportButton path="/v1/stats" query={`round=${encodeURIComponent(roundId)}`} name="批次统计" testid="export-round-stats" /><Button size="small" onClick={load}>刷新</Button></Space>}>
      {s.error && <Alert type="error" showIcon message={s.error} />}
      {!r && !s.error && <Loading />}
      {r && (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Typography.Text type="secondary">{admin ? '全省' : '本人辖区内'}本批次的申报情况（已申报含草稿，其余只计已提交的申报）。</Typography.Text>
          <Row gutter={[16, 16]}>
            {[
              ['已申报', r.declared, 'declared'], ['已提交', r.submitted, 'submitted'],
              ['县级审核中', tier.county_review, 'county'], ['市级审核中', tier.city_review, 'city'],
              ['省级审核中', tier.province_review, 'province'], ['已推荐', recommended, 'recommended'],
            ].map(([t, v, k]) => (
              <Col xs={12} sm={8} md={4} key={k}>
                <Statistic title={t} value={v ?? 0} valueRender={(n) => <span data-testid={`stat-${k}`}>{n}</span>} />
              </Col>
            ))}
          </Row>
          {showCities && <Table rowKey="code" size="small" pagination={false} dataSource={cities} data-testid="stats-cities"
            title={() => '各设区市推荐 / 名额'} scroll={{ x: 360 }} locale={{ emptyText: '暂无' }}
            columns={[
              { title: '设区市', dataIndex: 'name' },
              { title: '已推荐', dataIndex: 'recommended', render: (v, c) => <span data-testid={`stat-rec-${c.code}`}>{v ?? 0}</span> },
              { title: '名额', dataIndex: 'quota', render: (v) => (v === null || v === undefined ? '不限' : v) },
              { title: '剩余', key: 'left', render: (_, c) => (c.quota === null || c.quota === undefined ? '—' : Math.max(0, c.quota - (c.recommended || 0))) },
            ]} />}
          {kind !== 'industry_brain' && (
            <Table rowKey="level" size="small" pagination={false} data-testid="stats-levels"
              title={() => `已认定晨星工厂按等级（共 ${approved} 家）`} locale={{ emptyText: '尚无已认定的晨星工厂' }}
              dataSource={levels.map(([level, n]) => ({ level, n }))}
              columns={[
                { title: '等级', dataIndex: 'level', render: (v) => levelText(Number(v)) },
                { title: '已认定', dataIndex: 'n', render: (v, x) => <span data-testid={`stat-level-${x.level}`}>{v}</span> },
              ]} />
          )}
        </Space>
      )}
    </Card>
  );
}
