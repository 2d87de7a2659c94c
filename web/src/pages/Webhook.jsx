import { useEffect, useState } from 'react';
import { Card, Form, Input, Button, Alert, Typography, App, Collapse } from 'antd';
import { api, ApiError, errorText, fieldErrors } from '../api.js';
import { fmtTime } from '../labels.js';

// What a receiver gets: the body of one delivery (notify/src/messages.cpp webhook_body).
const EXAMPLE = `POST https://example.cn/sdp/events
Content-Type: application/json
X-Timestamp: 1767225600
X-Event-Id: 6f1c2d0e-…
X-Signature: sha256=3b9c…（64 位十六进制）

{
  "id": "6f1c2d0e-…",
  "type": "declaration.approved",
  "occurred_at": "2026-03-02T08:15:00Z",
  "declaration_id": "0c9e…",
  "number": "MSF-2026-370102-000001",
  "kind": "morning_star",
  "state": "city_review",
  "version": 4,
  "message": "您申报的晨星工厂（编号 MSF-2026-370102-000001）已通过县级审核，进入市级审核。"
}`;

const VERIFY = `// Node.js：验证签名
const crypto = require('crypto');
const expected = 'sha256=' + crypto.createHmac('sha256', 密钥)
  .update(请求头X-Timestamp + '.' + 原始请求正文).digest('hex');
// 与请求头 X-Signature 比较（请用 crypto.timingSafeEqual），一致才处理；
// 同一 id 可能重复送达，按 id 去重即可。`;

function TechNotes() {
  return (
    <div className="tech-notes" data-testid="webhook-tech">
      <Typography.Paragraph>
        每次申报状态变化，平台向登记的地址发送一次 HTTP POST，正文为 JSON（UTF-8）。贵单位系统返回 2xx 即视为送达；未送达时平台会按退避间隔自动重试，直至送达，因此对方系统暂时停机也不会漏收。
      </Typography.Paragraph>
      <ul>
        <li><Typography.Text code>X-Timestamp</Typography.Text>：发送时刻（Unix 秒）。</li>
        <li><Typography.Text code>X-Signature</Typography.Text>：<Typography.Text code>sha256=</Typography.Text> 加上以签名密钥对“<Typography.Text code>时间戳.正文</Typography.Text>”计算的 HMAC-SHA256（十六进制小写）。</li>
        <li><Typography.Text code>X-Event-Id</Typography.Text> 与正文中的 <Typography.Text code>id</Typography.Text>：事件的唯一编号，重试时不变，可用于去重。</li>
      </ul>
      <Typography.Text strong>请求示例</Typography.Text>
      <pre className="code-block">{EXAMPLE}</pre>
      <Typography.Text strong>签名验证示例</Typography.Text>
      <pre className="code-block">{VERIFY}</pre>
    </div>
  );
}

export default function Webhook() {
  const { message } = App.useApp();
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [saved, setSaved] = useState(null);
  const [busy, setBusy] = useState(false);
  // What is registered now (404: nothing yet).
  useEffect(() => {
    api('/v1/webhook').then(({ data }) => { setSaved(data); setUrl(data.url); }, (err) => {
      if (!(err instanceof ApiError && err.status === 404)) setGeneral(errorText(err));
    });
  }, []);
  const save = async (e) => {
    e.preventDefault();
    const local = {};
    if (!/^https?:\/\/\S+$/.test(url.trim())) local['/url'] = '请输入以 http:// 或 https:// 开头的地址';
    if (secret.length < 16 || secret.length > 256) local['/secret'] = '密钥长度须为 16–256 个字符';
    setErrors(local); setGeneral('');
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const { data } = await api('/v1/webhook', { method: 'PUT', body: { url: url.trim(), secret } });
      setSaved(data); setSecret('');
      message.success('Webhook 已保存');
    } catch (err) {
      setErrors(fieldErrors(err)); setGeneral(errorText(err));
    } finally { setBusy(false); }
  };
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>Webhook 设置（状态变化自动通知）</h2>} style={{ maxWidth: 760 }}>
      <Typography.Paragraph data-testid="webhook-intro">
        本系统在申报状态变化时自动通知贵单位的业务系统（例如 OA、ERP 或内部审批系统）：提交、审核通过、退回修改、进入公示、认定等每一步，都会立即发送到贵单位登记的接收地址，无需专人登录本平台查看。
      </Typography.Paragraph>
      <Typography.Paragraph type="secondary">
        如果贵单位没有这样的业务系统，可以不设置：站内“消息”照常收到全部通知。需要设置时，请向贵单位的技术人员索取“接收地址”，并与其约定一个“签名密钥”（16–256 个字符，双方各存一份，用于确认通知确实来自本平台）。重新保存即更换地址和密钥；密钥加密保存，不会再次显示。
      </Typography.Paragraph>
      {saved
        ? <Alert type="success" showIcon style={{ marginBottom: 12 }} data-testid="webhook-current"
            message={`已登记：${saved.url}`} description={saved.updated_at ? `登记时间 ${fmtTime(saved.updated_at)}` : undefined} />
        : <Alert type="info" showIcon style={{ marginBottom: 12 }} message="尚未登记 Webhook 地址" />}
      {general && <Alert type="error" showIcon role="alert" style={{ marginBottom: 12 }} message={general} />}
      <form onSubmit={save}>
        <Form layout="vertical" component="div">
          <Form.Item label="接收地址（URL）" htmlFor="webhook-url" required validateStatus={errors['/url'] ? 'error' : ''} help={errors['/url']}>
            <Input id="webhook-url" data-testid="webhook-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.cn/sdp/events" />
          </Form.Item>
          <Form.Item label="签名密钥（16–256 个字符）" htmlFor="webhook-secret" required validateStatus={errors['/secret'] ? 'error' : ''} help={errors['/secret']}>
            <Input.Password id="webhook-secret" data-testid="webhook-secret" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="webhook-save">保存</Button>
        </Form>
      </form>
      <Collapse style={{ marginTop: 20 }} data-testid="webhook-tech-collapse"
        items={[{ key: 'tech', label: '技术说明（供贵单位技术人员）', children: <TechNotes /> }]} />
    </Card>
  );
}
