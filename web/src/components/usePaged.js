import { useCallback, useEffect, useState } from 'react';
import { api, errorText } from '../api.js';

// {items, next_cursor} lists: first page on change of `path`, then more on demand. `last` is the
// last reply as it came (for members beside the items, such as the inbox's `unread`).
export default function usePaged(path) {
  const [items, setItems] = useState([]);
  const [last, setLast] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const fetchPage = useCallback(async (c, append) => {
    setLoading(true); setError('');
    try {
      const sep = path.includes('?') ? '&' : '?';
      const { data } = await api(c ? `${path}${sep}cursor=${encodeURIComponent(c)}` : path);
      setItems((old) => (append ? [...old, ...data.items] : data.items));
      setCursor(data.next_cursor);
      setLast(data);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, [path]);
  useEffect(() => { fetchPage(null, false); }, [fetchPage]);
  return { items, setItems, last, nextCursor: cursor, loading, error, more: () => fetchPage(cursor, true), reload: () => fetchPage(null, false) };
}
