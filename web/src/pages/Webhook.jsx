import { useEffect, useState } from 'react';
import { Card, Form, Input, Button, Alert, Typography, App } from 'antd';
import { api, ApiError, errorText, fieldErrors } from '../api.js';
import { fmtTime } from '../labels.js';

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
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>Webhook 设置</h2>} style={{ maxWidth: 760 }}>
      <Typography.Paragraph type="secondary">
        本单位申报的每次状态变化都会以 POST 推送到该地址，请求头 X-Signature 为 “sha256=” 加上以密钥对 “时间戳.正文” 计算的 HMAC-SHA256。重新保存即更换地址和密钥；密钥加密保存，不会再次显示。
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
    </Card>
  );
}
