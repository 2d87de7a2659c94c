import { useEffect, useState } from 'react';
import { Card, Row, Col, Statistic, Alert, Spin, Button, Table } from 'antd';
import { api, errorText } from '../api.js';
import { STATE, KIND, TIER } from '../labels.js';
import Chart from '../components/Chart.jsx';

const STATE_ORDER = ['draft', 'county_review', 'city_review', 'province_review', 'publicity', 'approved', 'returned', 'rejected', 'withdrawn'];

export default function Overview({ session }) {
  const [stats, setStats] = useState(null);
  const [error, setError] = useState('');
  const load = () => api('/v1/stats').then(({ data }) => { setStats(data); setError(''); }, (e) => setError(errorText(e)));
  useEffect(() => { load(); }, []);
  if (error) return <Alert type="error" showIcon message={error} action={<Button onClick={load}>重试</Button>} />;
  if (!stats) return <Spin tip="加载中" />;
  const byState = stats.by_state || {};
  const total = Object.values(byState).reduce((a, b) => a + b, 0);
  const inReview = (byState.county_review || 0) + (byState.city_review || 0) + (byState.province_review || 0);
  const cities = Object.entries(stats.by_city || {}).map(([code, c]) => ({ code, name: c.name || code, count: c.count || 0 })).sort((a, b) => b.count - a.count);
  const levels = stats.morning_star_levels || {};
  const levelKeys = ['0', '1', '2', '3', '4', '5'];
  const scope = session.role === 'admin' ? '全省（管理员）' : `${TIER[session.tier]}辖区 ${session.region}`;
  const stateOpt = {
    tooltip: { trigger: 'axis' }, grid: { left: 48, right: 16, top: 24, bottom: 56 },
    xAxis: { type: 'category', data: STATE_ORDER.map((s) => STATE[s]), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', name: '申报数', data: STATE_ORDER.map((s) => byState[s] || 0), itemStyle: { color: '#1456a0' }, label: { show: true, position: 'top' } }],
  };
  const tierOpt = {
    tooltip: { trigger: 'item' }, legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['35%', '65%'], name: '审核中（按层级）', data: [
      { name: '县级审核', value: byState.county_review || 0 }, { name: '市级审核', value: byState.city_review || 0 },
      { name: '省级审核', value: byState.province_review || 0 }, { name: '公示', value: byState.publicity || 0 }] }],
  };
  const cityOpt = {
    tooltip: { trigger: 'axis' }, grid: { left: 48, right: 16, top: 24, bottom: 56 },
    xAxis: { type: 'category', data: cities.map((c) => c.name), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', name: '申报数', data: cities.map((c) => c.count), itemStyle: { color: '#2f8f5b' }, label: { show: true, position: 'top' } }],
  };
  const levelOpt = {
    tooltip: { trigger: 'axis' }, grid: { left: 48, right: 16, top: 24, bottom: 32 },
    xAxis: { type: 'category', data: levelKeys.map((l) => (l === '0' ? '未达一级' : `${l}级`)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', name: '晨星工厂', data: levelKeys.map((l) => levels[l] || 0), itemStyle: { color: '#d48806' }, label: { show: true, position: 'top' } }],
  };
  return (
    <div data-testid="overview">
      <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>统计概览 · {scope}</h2>} extra={<Button onClick={load}>刷新</Button>} style={{ marginBottom: 16 }}>
        <Row gutter={16}>
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
        <Col xs={24} lg={14}><Card title="按状态"><Chart option={stateOpt} label="按状态统计的申报数柱状图" testid="chart-state" /></Card></Col>
        <Col xs={24} lg={10}><Card title="审核中按层级"><Chart option={tierOpt} label="各审核层级申报数饼图" testid="chart-tier" /></Card></Col>
        <Col xs={24} lg={14}><Card title="按设区市"><Chart option={cityOpt} label="按设区市统计的申报数柱状图" testid="chart-city" />
          <Table size="small" rowKey="code" pagination={false} style={{ marginTop: 8 }} dataSource={cities}
            columns={[{ title: '设区市', dataIndex: 'name' }, { title: '代码', dataIndex: 'code' }, { title: '申报数', dataIndex: 'count' }]} />
        </Card></Col>
        <Col xs={24} lg={10}><Card title="晨星工厂等级分布"><Chart option={levelOpt} label="晨星工厂自评等级分布柱状图" testid="chart-levels" /></Card></Col>
      </Row>
    </div>
  );
}
