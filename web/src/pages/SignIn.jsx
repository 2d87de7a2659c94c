import { useEffect, useState } from 'react';
import { Card, Form, Radio, Input, Select, Button, Alert, Typography, Collapse } from 'antd';
import { Link } from 'react-router-dom';
import { api, errorText, fieldErrors } from '../api.js';
import { setToken, decodeJwt, signOutReason } from '../auth.js';
import { useRegions } from '../data.js';
import Loading from '../components/Loading.jsx';

const ROLES = [
  { value: 'applicant', label: '企业' },
  { value: 'county', label: '县级审核员' },
  { value: 'city', label: '市级审核员' },
  { value: 'province', label: '省级审核员' },
  { value: 'admin', label: '管理员' },
  { value: 'expert', label: '评审专家' },
];

// The pool's experts, for signing in as one (development sign-in only).
function useDevExperts(on) {
  const [items, setItems] = useState(null);
  useEffect(() => {
    if (!on || items) return;
    api('/v1/dev/experts', { auth: false }).then(({ data }) => setItems(data.items || []), () => setItems([]));
  }, [on, items]);
  return items;
}

function DevSignIn() {
  const { data: regions, error: regionsError } = useRegions();
  const [role, setRole] = useState('applicant');
  const [org, setOrg] = useState('91370102MA3C00000B');
  const [county, setCounty] = useState('370102');
  const [city, setCity] = useState('370100');
  const [expert, setExpert] = useState('');
  const experts = useDevExperts(role === 'expert');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [pasted, setPasted] = useState('');

  const submit = async (e) => {
    e?.preventDefault();
    setBusy(true); setErrors({}); setGeneral('');
    let body;
    if (role === 'applicant') body = { role: 'applicant', org: org.trim() };
    else if (role === 'admin') body = { role: 'admin' };
    else if (role === 'expert') body = { role: 'expert', sub: expert };
    else body = { role: 'reviewer', tier: role, region: role === 'county' ? county : role === 'city' ? city : '370000' };
    try {
      const { data } = await api('/v1/dev/sign-in', { method: 'POST', body, auth: false });
      setToken(data.token);
    } catch (err) {
      const fe = fieldErrors(err);
      setErrors(fe);
      setGeneral(Object.keys(fe).length ? '' : errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const countyOpts = (regions?.cities || []).map((c) => ({
    label: c.name, title: c.name,
    options: c.counties.map((k) => ({ value: k.code, label: `${k.name}（${k.code}）` })),
  }));
  const cityOpts = (regions?.cities || []).map((c) => ({ value: c.code, label: `${c.name}（${c.code}）` }));
  const regionErr = errors['/region'] || errors['/tier'];

  return (
    <form onSubmit={submit} aria-label="开发环境登录">
      <Form layout="vertical" component="div">
        <Alert type="info" showIcon style={{ marginBottom: 16 }} message="开发环境登录：选择角色即可获得令牌，生产环境将跳转至统一身份认证。" />
        <Form.Item label="登录角色" htmlFor="role">
          <Radio.Group id="role" value={role} onChange={(e) => setRole(e.target.value)} buttonStyle="solid" aria-label="登录角色">
            {ROLES.map((r) => <Radio.Button key={r.value} value={r.value} data-testid={`role-${r.value}`}>{r.label}</Radio.Button>)}
          </Radio.Group>
        </Form.Item>
        {role === 'applicant' && (
          <Form.Item label="统一社会信用代码" htmlFor="org" validateStatus={errors['/org'] ? 'error' : ''} help={errors['/org'] || '例如 91370102MA3C00000B 或 91370212MA3D12345D'}>
            <Input id="org" data-testid="org" value={org} maxLength={18} onChange={(e) => setOrg(e.target.value.toUpperCase())} />
          </Form.Item>
        )}
        {role === 'county' && (
          <Form.Item label="所辖县（市、区）" htmlFor="county" validateStatus={regionErr ? 'error' : ''} help={regionErr}>
            <Select id="county" data-testid="county" showSearch optionFilterProp="label" value={county} onChange={setCounty} options={countyOpts} loading={!regions && !regionsError} />
          </Form.Item>
        )}
        {role === 'city' && (
          <Form.Item label="所辖设区市" htmlFor="city" validateStatus={regionErr ? 'error' : ''} help={regionErr}>
            <Select id="city" data-testid="city" showSearch optionFilterProp="label" value={city} onChange={setCity} options={cityOpts} loading={!regions && !regionsError} />
          </Form.Item>
        )}
        {role === 'expert' && (
          <Form.Item label="评审专家" htmlFor="expert" validateStatus={errors['/sub'] ? 'error' : ''}
            help={errors['/sub'] || (experts && !experts.length ? '专家库中还没有专家：请管理员先添加' : '从专家库中选择')}>
            <Select id="expert" data-testid="expert-sub" showSearch optionFilterProp="label" value={expert || undefined} onChange={setExpert}
              loading={!experts} placeholder="输入姓名或编号"
              options={(experts || []).map((e) => ({ value: e.sub, label: `${e.name}（${e.sub}）` }))} />
          </Form.Item>
        )}
        {role === 'province' && <Form.Item label="辖区"><Input value="山东省（370000）" disabled /></Form.Item>}
        {regionsError && role !== 'applicant' && role !== 'admin' && <Alert type="warning" showIcon message={`行政区划加载失败：${errorText(regionsError)}`} style={{ marginBottom: 12 }} />}
        {general && <Alert type="error" showIcon message={general} style={{ marginBottom: 12 }} role="alert" />}
        <Button type="primary" htmlType="submit" loading={busy} block data-testid="sign-in">登录</Button>
        <div style={{ marginTop: 12, textAlign: 'center' }}><Link to="/public" data-testid="public-link">查看认定公示（无需登录）</Link></div>
        <Collapse ghost style={{ marginTop: 16 }} items={[{ key: 't', label: '使用已有令牌登录（deploy/local/token.sh 生成）', children: (
          <Form.Item label="令牌（JWT）" htmlFor="pasted-token" help={pasted && !decodeJwt(pasted) ? '不是有效的令牌' : ''}>
            <Input.TextArea id="pasted-token" rows={3} value={pasted} onChange={(e) => setPasted(e.target.value.trim())} />
            <Button style={{ marginTop: 8 }} disabled={!decodeJwt(pasted)} onClick={() => setToken(pasted)}>使用此令牌</Button>
          </Form.Item>
        ) }]} />
      </Form>
    </form>
  );
}

export default function SignIn() {
  const [config, setConfig] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('/v1/console/config', { auth: false }).then(({ data }) => setConfig(data), setError);
  }, []);
  const goIdp = () => {
    const back = window.location.origin + window.location.pathname;
    const url = new URL(config.sign_in_url, window.location.href);
    url.searchParams.set('redirect_uri', back);
    window.location.assign(url.toString());
  };
  return (
    <main className="sign-in-wrap">
      <Card>
        <Typography.Title level={2} style={{ fontSize: 22, textAlign: 'center' }}>山东省晨星工厂·产业大脑申报评审平台</Typography.Title>
        <Typography.Paragraph type="secondary" style={{ textAlign: 'center' }}>企业申报 · 县市省三级审核 · 公示</Typography.Paragraph>
        {signOutReason && <Alert type="warning" showIcon message={signOutReason} style={{ marginBottom: 16 }} />}
        {!config && !error && <Loading />}
        {error && <Alert type="error" showIcon message={`无法获取登录配置：${errorText(error)}`} action={<Button size="small" onClick={() => window.location.reload()}>重试</Button>} />}
        {config?.dev_sign_in && <DevSignIn />}
        {config && !config.dev_sign_in && (
          config.sign_in_url
            ? <Button type="primary" size="large" block onClick={goIdp} data-testid="idp-sign-in">通过统一身份认证登录</Button>
            : <Alert type="error" showIcon message="未配置统一身份认证地址，请联系系统管理员" />
        )}
      </Card>
    </main>
  );
}
