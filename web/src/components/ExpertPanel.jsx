// Expert review (专家评审, CONTRACT §8) on a declaration's page: the province reviewer's panel
// (pick 3–7 experts of the pool, conflicts of interest shown before saving, the reviews' progress
// and the panel's result) and an assigned expert's own review (score, opinion, notes per dimension).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Card, Select, Button, Alert, Table, Typography, Input, InputNumber, Form, App, Descriptions } from 'antd';
import { toLocalInput, fromLocalInput } from '../rounds.js';
import { api, errorText, fieldErrors } from '../api.js';
import { fmtTime } from '../labels.js';

export function usePanel(declId, reloadKey) {
  const [state, setState] = useState({ panel: undefined, error: '' });
  const load = useCallback(() => {
    api(`/v1/declarations/${declId}/panel`).then(({ data }) => setState({ panel: data, error: '' }),
      (e) => setState({ panel: e.status === 404 ? null : undefined, error: e.status === 404 ? '' : errorText(e) }));
  }, [declId]);
  useEffect(() => { load(); }, [load, reloadKey]);
  return { ...state, reload: load };
}


function Result({ result }) {
  if (!result || !result.count) return <Typography.Text type="secondary">尚无专家提交评审意见</Typography.Text>;
  return (
    <span data-testid="panel-result">
      已评 {result.count} 人　平均分 <b>{result.mean}</b>
      {result.trimmed_mean !== null && result.trimmed_mean !== undefined && <>　去掉一个最高分和一个最低分后 <b data-testid="panel-trimmed">{result.trimmed_mean}</b></>}
    </span>
  );
}

export function PanelCard({ decl, canAssign, onChanged }) {
  const { message } = App.useApp();
  const { panel, error, reload } = usePanel(decl.id);
  const [pool, setPool] = useState(null); // the candidates: the pool's experts of this kind, with their conflicts
  const [picked, setPicked] = useState([]);
  const [due, setDue] = useState(() => toLocalInput(new Date(Date.now() + 10 * 86400e3).toISOString()));
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!canAssign) return;
    api(`/v1/declarations/${decl.id}/panel/candidates`).then(({ data }) => setPool(data.items || []), (e) => setGeneral(errorText(e)));
  }, [canAssign, decl.id, panel]);
  useEffect(() => {
    if (panel?.experts?.length) setPicked(panel.experts.map((e) => e.sub));
    if (panel?.due_at) setDue(toLocalInput(panel.due_at));
  }, [panel]);
  const bySub = useMemo(() => Object.fromEntries((pool || []).map((e) => [e.sub, e])), [pool]);
  const conflicts = picked.map((s) => bySub[s]?.conflict && `${bySub[s].name}：${bySub[s].conflict.message}`).filter(Boolean);
  const save = async () => {
    setErrors({}); setGeneral('');
    setBusy(true);
    try {
      await api(`/v1/declarations/${decl.id}/panel`, { method: 'PUT', body: { experts: picked, due_at: fromLocalInput(due) } });
      message.success('评审专家已指派');
      reload(); onChanged?.();
    } catch (e) { setErrors(fieldErrors(e)); setGeneral(errorText(e)); } finally { setBusy(false); }
  };
  const reviews = panel?.reviews || [];
  const reviewed = new Set(reviews.map((r) => r.expert));
  const names = Object.fromEntries((panel?.experts || []).map((e) => [e.sub, e.name]));
  if (!canAssign && !panel) return null;
  return (
    <Card title="专家评审" data-testid="panel-card">
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      {panel && (
        <Descriptions size="small" column={1} style={{ marginBottom: 12 }} items={[
          { key: 'e', label: '专家', children: (panel.experts || []).map((e) => `${e.name || e.sub}${e.reviewed ? '（已评）' : ''}`).join('、') },
          { key: 'd', label: '评审截止', children: fmtTime(panel.due_at) },
          { key: 'p', label: '进度', children: <span data-testid="panel-progress">{reviews.length} / {(panel.experts || []).length} 位专家已提交</span> },
          { key: 'r', label: '结果', children: <Result result={panel.result} /> },
        ]} />
      )}
      {reviews.length > 0 && (
        <Table size="small" rowKey="expert" pagination={false} dataSource={reviews} style={{ marginBottom: 12 }} scroll={{ x: 560 }}
          data-testid="panel-reviews" columns={[
            { title: '专家', render: (_, r) => names[r.expert] || r.expert, width: 120 },
            { title: '评分', dataIndex: 'score', width: 70 },
            { title: '评审意见', dataIndex: 'opinion' },
            { title: '提交时间', dataIndex: 'at', render: fmtTime, width: 170 },
          ]} />
      )}
      {canAssign && (
        <Form layout="vertical" component="div">
          {general && <Alert type="error" showIcon role="alert" data-testid="panel-error" message={general} style={{ marginBottom: 12 }}
            description={Object.values(errors).join('；') || undefined} />}
          <Form.Item label="评审专家（3–7 位）" required help={conflicts.length ? undefined : '同一申报单位的专家、常驻地在申报单位所在设区市的专家须回避'}>
            <Select mode="multiple" data-testid="panel-experts" value={picked} onChange={setPicked} loading={!pool} style={{ width: '100%' }}
              placeholder="从专家库中选择" optionFilterProp="label"
              options={(pool || []).map((e) => ({
                value: e.sub, label: `${e.name}（${e.home_region_name || e.home_region}）${e.conflict ? ' · 须回避' : ''}`,
                disabled: reviewed.has(e.sub) && picked.includes(e.sub),
              }))} />
          </Form.Item>
          {conflicts.length > 0 && (
            <Alert type="warning" showIcon data-testid="panel-conflicts" style={{ marginBottom: 12 }} message="以下专家须回避，保存时将被拒绝"
              description={<ul style={{ margin: 0, paddingInlineStart: 18 }}>{conflicts.map((c) => <li key={c}>{c}</li>)}</ul>} />
          )}
          <Form.Item label="评审截止时间（北京时间）" required>
            <Input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} data-testid="panel-due" style={{ maxWidth: 260 }} />
          </Form.Item>
          <Button type="primary" onClick={save} loading={busy} disabled={picked.length < 3 || picked.length > 7} data-testid="panel-save">
            {panel ? '更新评审专家' : '指派评审专家'}
          </Button>
          {(picked.length < 3 || picked.length > 7) && <Typography.Text type="secondary" style={{ marginLeft: 8 }}>须选择 3 至 7 位专家（已选 {picked.length} 位）</Typography.Text>}
        </Form>
      )}
    </Card>
  );
}

// An assigned expert's review: submitted once; the others' are shown only after.
export function ExpertReviewCard({ decl, session, dimensions }) {
  const { message } = App.useApp();
  const { panel, error, reload } = usePanel(decl.id);
  const [score, setScore] = useState(null);
  const [opinion, setOpinion] = useState('');
  const [notes, setNotes] = useState({});
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [busy, setBusy] = useState(false);
  if (error) return <Alert type="error" showIcon message={error} />;
  if (panel === undefined) return null;
  const mine = (panel?.reviews || []).find((r) => r.expert === session.sub);
  const submit = async () => {
    setErrors({}); setGeneral('');
    const items = Object.fromEntries(Object.entries(notes).filter(([, t]) => t.trim()).map(([k, t]) => [k, t.trim()]));
    setBusy(true);
    try {
      await api(`/v1/declarations/${decl.id}/expert-reviews`, { method: 'POST', body: { score, opinion: opinion.trim(), ...(Object.keys(items).length ? { items } : {}) } });
      message.success('评审意见已提交');
      reload();
    } catch (e) { setErrors(fieldErrors(e)); setGeneral(errorText(e)); } finally { setBusy(false); }
  };
  return (
    <Card title="我的评审意见" data-testid="expert-review">
      {panel?.due_at && <Typography.Paragraph>评审截止：{fmtTime(panel.due_at)}</Typography.Paragraph>}
      {mine ? (
        <>
          <Alert type="success" showIcon message={`已提交：${mine.score} 分（${fmtTime(mine.at)}）`} description={mine.opinion} data-testid="expert-review-done" />
          <div style={{ marginTop: 12 }}><Result result={panel.result} /></div>
          {!panel.blind && (panel.reviews || []).length > 1 && (
            <Table size="small" style={{ marginTop: 12 }} rowKey="expert" pagination={false} dataSource={panel.reviews}
              scroll={{ x: 480 }} columns={[
                { title: '专家', render: (_, r) => (panel.experts || []).find((e) => e.sub === r.expert)?.name || r.expert, width: 120 },
                { title: '评分', dataIndex: 'score', width: 70 },
                { title: '评审意见', dataIndex: 'opinion' },
              ]} />
          )}
        </>
      ) : (
        <Form layout="vertical" component="div">
          <Typography.Paragraph type="secondary">评审意见只能提交一次；提交前看不到其他专家的意见。</Typography.Paragraph>
          {general && <Alert type="error" showIcon role="alert" data-testid="expert-review-error" message={general} style={{ marginBottom: 12 }} />}
          <Form.Item label="评分（0–100）" htmlFor="expert-score" required validateStatus={errors['/score'] ? 'error' : ''} help={errors['/score']}>
            <InputNumber id="expert-score" data-testid="expert-score" min={0} max={100} value={score} onChange={setScore} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item label="评审意见" htmlFor="expert-opinion" required validateStatus={errors['/opinion'] ? 'error' : ''} help={errors['/opinion']}>
            <Input.TextArea id="expert-opinion" data-testid="expert-opinion" rows={4} maxLength={5000} showCount value={opinion} onChange={(e) => setOpinion(e.target.value)} />
          </Form.Item>
          {(dimensions || []).map((d) => (
            <Form.Item key={d.id} label={`${d.id} ${d.name}（选填）`} htmlFor={`expert-note-${d.id}`}>
              <Input id={`expert-note-${d.id}`} data-testid={`expert-note-${d.id}`} value={notes[d.id] || ''} maxLength={1000}
                onChange={(e) => setNotes({ ...notes, [d.id]: e.target.value })} />
            </Form.Item>
          ))}
          <Button type="primary" onClick={submit} loading={busy} disabled={score === null || !opinion.trim()} data-testid="expert-submit">提交评审意见</Button>
        </Form>
      )}
    </Card>
  );
}

