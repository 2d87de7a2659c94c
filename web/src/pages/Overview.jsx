import { useEffect, useState } from 'react';
import { Card, Row, Col, Statistic, Alert, Button, Table, Empty, Space } from 'antd';
import { api, errorText } from '../api.js';
import { STATE, KIND, TIER } from '../labels.js';
import { useRegions, cityOfCounty, regionNames } from '../data.js';
import Chart from '../components/Chart.jsx';
import Loading from '../components/Loading.jsx';
import { ExportButton } from '../components/Downloads.jsx';

// The cities of the caller's jurisdiction in catalogue order, each with its count (0 where there is
// none): all 16 for the province and the admin, the one city of a city or county reviewer.
export function cityRows(regions, byCity, session) {
  const all = regions?.cities || [];
  const own = session.role === 'reviewer' && session.tier === 'city' ? session.region
    : session.role === 'reviewer' && session.tier === 'county' ? cityOfCounty(regions, session.region) : null;
  const rows = all.filter((c) => !own || c.code === own)
    .map((c) => ({ code: c.code, name: c.name, count: byCity?.[c.code]?.count || 0 }));
  for (const [code, c] of Object.entries(byCity || {})) { // a code the catalogue does not know still counts
    if (!rows.some((r) => r.code === code)) rows.push({ code, name: c.name || code, count: c.count || 0 });
  }
  return rows;
}

const STATE_ORDER = ['draft', 'county_review', 'city_review', 'province_review', 'publicity', 'approved', 'returned', 'rejected', 'withdrawn'];

export default function Overview({ session }) {
  const [stats, setStats] = useState(null);
  const [error, setError] = useState('');
  const { data: regions } = useRegions();
  const load = () => api('/v1/stats').then(({ data }) => { setStats(data); setError(''); }, (e) => setError(errorText(e)));
  useEffect(() => { load(); }, []);
  if (error) return <Alert type="error" showIcon message={error} action={<Button onClick={load}>重试</Button>} />;
  if (!stats) return <Loading />;
  const byState = stats.by_state || {};
  const total = Object.values(byState).reduce((a, b) => a + b, 0);
  const inReview = (byState.county_review || 0) + (byState.city_review || 0) + (byState.province_review || 0);
  const cities = cityRows(regions, stats.by_city, session);
  const levels = stats.morning_star_levels || {};
  const levelKeys = ['0', '1', '2', '3', '4', '5'];
  const placeName = regionNames(regions)[session.region];
  const scope = session.role === 'admin' ? '全省（管理员）'
    : `${TIER[session.tier]}辖区 ${placeName ? `${placeName}（${session.region}）` : session.region}`;
  // Horizontal bars: the names stay level and readable on a phone as on a desktop.
  const hbar = (names, values, color, name) => ({
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } }, grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: names, inverse: true, axisTick: { show: false }, axisLabel: { interval: 0 } },
    series: [{ type: 'bar', name, data: values, itemStyle: { color }, barMaxWidth: 18, label: { show: true, position: 'right' } }],
  });
  const stateOpt = hbar(STATE_ORDER.map((s) => STATE[s]), STATE_ORDER.map((s) => byState[s] || 0), '#1456a0', '申报数');
  // Only the tiers that hold something: zero slices would pile their labels on top of each other.
  const slices = [
    { name: '县级审核', value: byState.county_review || 0 }, { name: '市级审核', value: byState.city_review || 0 },
    { name: '省级审核', value: byState.province_review || 0 }, { name: '公示', value: byState.publicity || 0 }].filter((x) => x.value > 0);
  const tierOpt = {
    tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' }, legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['35%', '60%'], center: ['50%', '45%'], name: '审核中（按层级）', avoidLabelOverlap: true,
      label: { formatter: '{b}\n{c}' }, data: slices }],
  };
  const cityOpt = hbar(cities.map((c) => c.name), cities.map((c) => c.count), '#2f8f5b', '申报数');
  const levelOpt = {
    tooltip: { trigger: 'axis' }, grid: { left: 48, right: 16, top: 24, bottom: 32 },
    xAxis: { type: 'category', data: levelKeys.map((l) => (l === '0' ? '未达一级' : `${l}级`)), axisLabel: { interval: 0, fontSize: 11 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', name: '晨星工厂', data: levelKeys.map((l) => levels[l] || 0), itemStyle: { color: '#d48806' }, label: { show: true, position: 'top' } }],
  };
  return (
    <div data-testid="overview">
      <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>统计概览 · {scope}</h2>} className="wrap-head" extra={<Space wrap><ExportButton path="/v1/stats" name="统计" testid="export-stats" /><Button onClick={load}>刷新</Button></Space>} style={{ marginBottom: 16 }}>
        <Row gutter={[16, 12]}>
          <Col xs={12} md={6}><Statistic title="申报总数" value={total} /></Col>
          <Col xs={12} md={6}><Statistic title="审核中" value={inReview} /></Col>
          <Col xs={12} md={6}><Statistic title="公示中" value={byState.publicity || 0} /></Col>
          <Col xs={12} md={6}><Statistic title="已认定" value={byState.approved || 0} /></Col>
        </Row>
        <div style={{ marginTop: 8, color: '#666' }}>
          {Object.entries(stats.by_kind || {}).map(([k, n]) => `${KIND[k] || k} ${n} 项`).join('　')}
        </div>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}><Card title="按状态"><Chart option={stateOpt} label="按状态统计的申报数条形图" testid="chart-state" height={320} /></Card></Col>
        <Col xs={24} lg={10}><Card title="审核中按层级" data-testid="tier-card" data-slices={slices.map((x) => x.name).join(',')}>{slices.length
          ? <Chart option={tierOpt} label="各审核层级申报数饼图" testid="chart-tier" height={320} />
          : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="暂无数据" data-testid="chart-tier-empty" style={{ height: 280, paddingTop: 80, margin: 0 }} />}</Card></Col>
        <Col xs={24} lg={14}><Card title="按设区市">{regions
          ? <Chart option={cityOpt} label="按设区市统计的申报数条形图" testid="chart-city" height={Math.max(120, cities.length * 26 + 24)} />
          : <Loading />}
          <Table size="small" rowKey="code" pagination={false} style={{ marginTop: 8 }} dataSource={cities} data-testid="city-table"
            scroll={{ x: 'max-content' }}
            columns={[{ title: '设区市', dataIndex: 'name' }, { title: '代码', dataIndex: 'code' },
              { title: '申报数', dataIndex: 'count', sorter: (a, b) => a.count - b.count }]} />
        </Card></Col>
        <Col xs={24} lg={10}><Card title="晨星工厂等级分布"><Chart option={levelOpt} label="晨星工厂自评等级分布柱状图" testid="chart-levels" /></Card></Col>
      </Row>
    </div>
  );
}
