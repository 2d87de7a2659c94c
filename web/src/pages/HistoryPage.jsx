import { Card } from 'antd';
import { Link, useParams } from 'react-router-dom';
import History from '../components/History.jsx';

export default function HistoryPage() {
  const { id } = useParams();
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>审计记录</h2>} extra={<Link to={`/d/${id}`}>返回申报详情</Link>}>
      <History id={id} />
    </Card>
  );
}
