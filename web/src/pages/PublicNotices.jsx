// The public 公示 page (CONTRACT §8): no sign-in. What is in publicity now, and a written objection
// under a real name (anonymous objections are void and refused).
import { useEffect, useState } from 'react';
import { Card, Table, Alert, Button, Modal, Form, Input, Radio, Typography, App } from 'antd';
import { api, errorText, fieldErrors } from '../api.js';
import { KIND, fmtTime } from '../labels.js';
import { levelText } from '../components/MorningStarForm.jsx';

function ObjectionForm({ notice, onClose }) {
  const { message } = App.useApp();
  const [who, setWho] = useState('person');
  const [v, setV] = useState({ name: '', id_number: '', org: '', phone: '', content: '' });
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });
  const submit = async () => {
    setErrors({}); setGeneral('');
    const body = { name: v.name.trim(), phone: v.phone.trim(), content: v.content.trim(),
      ...(who === 'person' ? { id_number: v.id_number.trim() } : { org: v.org.trim() }) };
    setBusy(true);
    try {
      await api(`/v1/public/notices/${encodeURIComponent(notice.number)}/objections`, { method: 'POST', body, auth: false });
      message.success('异议已提交，省级主管部门将核查处理');
      onClose(true);
    } catch (e) {
      setErrors(fieldErrors(e));
      setGeneral(e.status === 429 ? `提交过于频繁，请 ${e.retryAfter || '稍后'}${e.retryAfter ? ' 秒后' : ''}再试` : errorText(e));
    } finally { setBusy(false); }
  };
  const st = (p) => (errors[p] ? 'error' : '');
  return (
    <Modal open title={`对 ${notice.number} 提出异议`} onCancel={() => onClose(false)} okText="提交异议" cancelText="取消"
      onOk={submit} confirmLoading={busy} okButtonProps={{ 'data-testid': 'objection-submit' }} width="min(640px, 96vw)">
      <Typography.Paragraph type="secondary">
        异议须以真实姓名提出并留下联系方式，匿名或无具体内容的异议不予受理。您的身份信息只用于核查，不会告知申报单位。
      </Typography.Paragraph>
      {general && <Alert type="error" showIcon role="alert" data-testid="objection-error" message={general} style={{ marginBottom: 12 }} />}
      <Form layout="vertical" component="div">
        <Form.Item label="异议人" required>
          <Radio.Group value={who} onChange={(e) => setWho(e.target.value)}>
            <Radio value="person" data-testid="objector-person">个人</Radio>
            <Radio value="org" data-testid="objector-org">单位</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item label={who === 'person' ? '姓名' : '联系人姓名'} htmlFor="obj-name" required validateStatus={st('/name')} help={errors['/name']}>
          <Input id="obj-name" data-testid="objection-name" value={v.name} onChange={set('name')} maxLength={50} />
        </Form.Item>
        {who === 'person' ? (
          <Form.Item label="居民身份证号码" htmlFor="obj-id" required validateStatus={st('/id_number')} help={errors['/id_number']}>
            <Input id="obj-id" data-testid="objection-id" value={v.id_number} onChange={set('id_number')} maxLength={18} />
          </Form.Item>
        ) : (
          <Form.Item label="单位统一社会信用代码" htmlFor="obj-org" required validateStatus={st('/org')} help={errors['/org']}>
            <Input id="obj-org" data-testid="objection-org" value={v.org} onChange={set('org')} maxLength={18} />
          </Form.Item>
        )}
        <Form.Item label="联系电话" htmlFor="obj-phone" required validateStatus={st('/phone')} help={errors['/phone']}>
          <Input id="obj-phone" data-testid="objection-phone" value={v.phone} onChange={set('phone')} maxLength={20} />
        </Form.Item>
        <Form.Item label="异议内容（事实与理由）" htmlFor="obj-content" required validateStatus={st('/content')} help={errors['/content']}>
          <Input.TextArea id="obj-content" data-testid="objection-content" rows={5} value={v.content} onChange={set('content')} maxLength={5000} showCount />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default function PublicNotices() {
  const [items, setItems] = useState(null);
  const [error, setError] = useState('');
  const [objecting, setObjecting] = useState(null);
  const load = () => api('/v1/public/notices', { auth: false }).then(({ data }) => { setItems(data.items || []); setError(''); }, (e) => setError(errorText(e)));
  useEffect(() => { load(); }, []);
  const columns = [
    { title: '申报编号', dataIndex: 'number', width: 200 },
    { title: '类型', dataIndex: 'kind', render: (k) => KIND[k] || k, width: 90 },
    { title: '申报单位', dataIndex: 'org_name' },
    { title: '名称', dataIndex: 'title' },
    { title: '设区市', dataIndex: 'city_name', render: (v, r) => v || r.city, width: 90 },
    { title: '结果', width: 110, render: (_, r) => (r.kind === 'morning_star' ? levelText(r.level) : r.total !== undefined && r.total !== null ? `${r.total} 分` : '') },
    { title: '公示截止', dataIndex: 'publicity_ends_at', render: fmtTime, width: 170 },
    { title: '', width: 100, render: (_, r) => <Button size="small" onClick={() => setObjecting(r)} data-testid={`object-${r.number}`}>提出异议</Button> },
  ];
  return (
    <div className="public-page">
      <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>山东省晨星工厂·产业大脑认定公示</h2>} extra={<Button onClick={load}>刷新</Button>}>
        <Typography.Paragraph>
          以下申报已通过省级评审，现予公示。公示期间，任何单位和个人对公示对象有异议的，可以实名提出书面异议，并提供必要的事实依据。
        </Typography.Paragraph>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
        <Table rowKey="number" size="middle" columns={columns} dataSource={items || []} loading={!items && !error} pagination={false}
          scroll={{ x: 960 }} data-testid="public-notices" locale={{ emptyText: '当前没有公示中的项目' }} />
      </Card>
      {objecting && <ObjectionForm notice={objecting} onClose={() => setObjecting(null)} />}
    </div>
  );
}
