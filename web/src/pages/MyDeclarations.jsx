import { useState } from 'react';
import { Card, Button, Space, Select } from 'antd';
import { useNavigate } from 'react-router-dom';
import DeclarationTable from '../components/DeclarationTable.jsx';
import usePaged from '../components/usePaged.js';
import { STATE, KIND } from '../labels.js';
import { ExportButton } from '../components/Downloads.jsx';

export default function MyDeclarations() {
  const nav = useNavigate();
  const [state, setState] = useState('');
  const [kind, setKind] = useState('');
  const q = new URLSearchParams({ limit: '20', ...(state && { state }), ...(kind && { kind }) });
  const p = usePaged(`/v1/declarations?${q}`);
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>我的申报</h2>} extra={
      <Space wrap>
        <Button type="primary" data-testid="new-morning-star" onClick={() => nav('/new/morning_star')}>新建晨星工厂申报</Button>
        <Button type="primary" ghost data-testid="new-industry-brain" onClick={() => nav('/new/industry_brain')}>新建产业大脑申报</Button>
      </Space>
    }>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select aria-label="按类型筛选" style={{ width: 150 }} value={kind} onChange={setKind}
          options={[{ value: '', label: '全部类型' }, ...Object.entries(KIND).map(([value, label]) => ({ value, label }))]} />
        <Select aria-label="按状态筛选" style={{ width: 150 }} value={state} onChange={setState}
          options={[{ value: '', label: '全部状态' }, ...Object.entries(STATE).map(([value, label]) => ({ value, label }))]} />
        <Button onClick={p.reload}>刷新</Button>
        <ExportButton path="/v1/declarations" query={new URLSearchParams({ ...(state && { state }), ...(kind && { kind }) }).toString()}
          name="我的申报" testid="export-declarations" />
      </Space>
      <DeclarationTable {...p} onMore={p.more} testid="my-declarations" />
    </Card>
  );
}
