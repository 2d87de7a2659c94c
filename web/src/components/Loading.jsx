import { Spin } from 'antd';

// A spinner that says what it is doing ("加载中…"), announced politely to screen readers.
// `block`: centred with room around it, for a whole page or card still loading.
export default function Loading({ text = '加载中…', block = true, testid = 'loading' }) {
  return (
    <div role="status" aria-live="polite" className={block ? 'loading loading-block' : 'loading'} data-testid={testid}>
      <Spin size={block ? 'default' : 'small'} />
      <span className="loading-text">{text}</span>
    </div>
  );
}

// The `loading` prop of an antd Table or List: the same words over the rows while a page loads.
export const loadingProp = (spinning) => ({ spinning: !!spinning, tip: '加载中…' });
