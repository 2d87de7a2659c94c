// Objections filed during 公示 (CONTRACT §8), for province reviewers: the open ones first, each
// resolved with an outcome and a comment that the declaration's history records.
import { useState } from 'react';
import { Card, Table, Alert, Button, Modal, Form, Input, Radio, Segmented, Typography, App } from 'antd';
import { Link } from 'react-router-dom';
import usePaged from '../components/usePaged.js';
import { api, errorText, fieldErrors } from '../api.js';
import { fmtTime } from '../labels.js';

const OUTCOME = { upheld: '异议成立', dismissed: '异议不成立' };

function Resolve({ objection, onClose }) {
  const { message } = App.useApp();
  const [outcome, setOutcome] = useState('');
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setErrors({}); setGeneral('');
    if (!outcome) { setErrors({ '/outcome': '请选择处理结果' }); return; }
    if (!comment.trim()) { setErrors({ '/comment': '请写明核查情况和处理理由' }); return; }
    setBusy(true);
    try {
      await api(`/v1/objections/${objection.id}/resolution`, { method: 'POST', body: { outcome, comment: comment.trim() } });
      message.success(`已处理：${OUTCOME[outcome]}`);
      onClose(true);
    } catch (e) { setErrors(fieldErrors(e)); setGeneral(errorText(e)); } finally { setBusy(false); }
  };
  return (
    <Modal open title={`处理异议 · ${objection.number || ''}`} onCancel={() => onClose(false)} onOk={submit} okText="提交处理结果" cancelText="取消"
      confirmLoading={busy} okButtonProps={{ 'data-testid': 'resolve-submit' }} width="min(640px, 96vw)">
      <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{objection.content}</Typography.Paragraph>
      <Typography.Paragraph type="secondary">
        异议成立：可在申报页面退回修改或不予通过；异议不成立：公示期满后按期认定。异议人的身份不会告知申报单位。
      </Typography.Paragraph>
      {general && <Alert type="error" showIcon role="alert" message={general} style={{ marginBottom: 12 }} />}
      <Form layout="vertical" component="div">
        <Form.Item label="处理结果" required validateStatus={errors['/outcome'] ? 'error' : ''} help={errors['/outcome']}>
          <Radio.Group value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <Radio value="upheld" data-testid="outcome-upheld">{OUTCOME.upheld}</Radio>
            <Radio value="dismissed" data-testid="outcome-dismissed">{OUTCOME.dismissed}</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item label="核查情况与理由" htmlFor="resolve-comment" required validateStatus={errors['/comment'] ? 'error' : ''} help={errors['/comment']}>
          <Input.TextArea id="resolve-comment" data-testid="resolve-comment" rows={4} maxLength={2000} showCount value={comment} onChange={(e) => setComment(e.target.value)} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default function Objections() {
  const [state, setState] = useState('open');
  const p = usePaged(`/v1/objections?state=${state}`);
  const [resolving, setResolving] = useState(null);
  const columns = [
    { title: '申报', width: 200, render: (_, o) => (o.declaration_id ? <Link to={`/d/${o.declaration_id}`}>{o.number}</Link> : o.number) },
    { title: '异议人', width: 180, render: (_, o) => <span>{o.name}<div className="desc">{o.phone}</div><div className="desc">{o.id_number || o.org}</div></span> },
    { title: '内容', dataIndex: 'content', ellipsis: true },
    { title: '提出时间', dataIndex: 'filed_at', render: fmtTime, width: 170 },
    state === 'open'
      ? { title: '', width: 90, render: (_, o) => <Button size="small" type="primary" onClick={() => setResolving(o)} data-testid={`resolve-${o.id}`}>处理</Button> }
      : { title: '处理结果', width: 200, render: (_, o) => <span>{OUTCOME[o.outcome] || o.outcome}<div className="desc">{o.comment}</div></span> },
  ];
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>公示异议</h2>} extra={<Button onClick={p.reload}>刷新</Button>}>
      <Segmented value={state} onChange={setState} style={{ marginBottom: 12 }}
        options={[{ value: 'open', label: '待处理' }, { value: 'resolved', label: '已处理' }]} />
      {p.error && <Alert type="error" showIcon message={p.error} style={{ marginBottom: 12 }} />}
      <Table rowKey="id" size="middle" columns={columns} dataSource={p.items} loading={p.loading} pagination={false} scroll={{ x: 800 }}
        data-testid="objections" locale={{ emptyText: state === 'open' ? '没有待处理的异议' : '没有已处理的异议' }} />
      {p.nextCursor && <Button onClick={p.more} loading={p.loading} style={{ marginTop: 8 }}>加载更多</Button>}
      {resolving && <Resolve objection={resolving} onClose={(done) => { setResolving(null); if (done) p.reload(); }} />}
    </Card>
  );
}
