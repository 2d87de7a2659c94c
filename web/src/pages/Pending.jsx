import { useState } from 'react';
import { Card, Button, Space, Select, Typography } from 'antd';
import DeclarationTable from '../components/DeclarationTable.jsx';
import usePaged from '../components/usePaged.js';
import { KIND, TIER } from '../labels.js';
import { useRegions } from '../data.js';

// The caller's tier's queue in its jurisdiction, first arrived first.
export default function Pending({ session }) {
  const { data: regions } = useRegions();
  const [kind, setKind] = useState('');
  const [region, setRegion] = useState('');
  const q = new URLSearchParams({ limit: '20', ...(kind && { kind }), ...(region && { region }) });
  const p = usePaged(`/v1/reviews/pending?${q}`);
  const cities = (regions?.cities || []).filter((c) => session.tier === 'province' || c.code === session.region);
  const countyOpts = session.tier === 'county' ? [] : cities.map((c) => ({
    label: c.name, title: c.name, options: c.counties.map((k) => ({ value: k.code, label: `${c.name}${k.name}` })),
  }));
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>待审队列 · {TIER[session.tier]}（{session.region}）</h2>}>
      <Typography.Paragraph type="secondary">按到达本级的时间排列，最早到达的在前。</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select aria-label="按类型筛选" data-testid="pending-kind" style={{ width: 150 }} value={kind} onChange={setKind}
          options={[{ value: '', label: '全部类型' }, ...Object.entries(KIND).map(([value, label]) => ({ value, label }))]} />
        {session.tier !== 'county' && (
          <Select aria-label="按县（市、区）筛选" data-testid="pending-region" style={{ width: 220 }} value={region} onChange={setRegion}
            showSearch optionFilterProp="label" options={[{ value: '', label: '全部县（市、区）' }, ...countyOpts]} />
        )}
        <Button onClick={p.reload}>刷新</Button>
      </Space>
      <DeclarationTable {...p} onMore={p.more} showRegion testid="pending" />
    </Card>
  );
}
