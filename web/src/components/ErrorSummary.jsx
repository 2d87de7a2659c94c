import { Alert, Button } from 'antd';
import { pointerLabel, jumpTo } from '../lib/pointers.js';

// Every problem of a refused save or submit in one list, each a link that jumps to its field.
export default function ErrorSummary({ title, errors, names }) {
  const entries = Object.entries(errors).filter(([p]) => p !== '' && !p.startsWith('/headers'));
  return (
    <Alert type="error" showIcon role="alert" data-testid="form-error" style={{ marginBottom: 12 }} id="error-summary"
      message={title}
      description={<div>
        {errors[''] && <div>{errors['']}</div>}
        {entries.length > 0 && (
          <ol className="error-summary" data-testid="error-summary">
            {entries.map(([p, m]) => (
              <li key={p}>
                <Button type="link" size="small" className="error-link" data-pointer={p} onClick={() => jumpTo(p)}>
                  {pointerLabel(p, names)}
                </Button>
                ：{m}
              </li>
            ))}
          </ol>
        )}
      </div>} />
  );
}
