// Small pieces the round pages, the declaration form and the declaration page share.
import { Tag } from 'antd';
import { Link } from 'react-router-dom';
import { ROUND_STATE, ROUND_STATE_COLOR } from '../labels.js';
import { useRound } from '../rounds.js';

export function RoundStateTag({ state }) {
  return <Tag color={ROUND_STATE_COLOR[state]} data-testid="round-state" data-state={state}>{ROUND_STATE[state] || state}</Tag>;
}

// A round's title, linked to its page (fetched by id).
export function RoundLink({ id }) {
  const { round, error } = useRound(id);
  if (!id) return null;
  if (error) return <span>{id}</span>;
  return <Link to={`/rounds/${id}`} data-testid="round-link">{round ? round.title : '…'}</Link>;
}
