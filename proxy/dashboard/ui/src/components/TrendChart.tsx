/**
 * Requests and errors over time (recharts). Loaded on its own (React.lazy in Overview): the charting library is most
 * of the UI's JavaScript, and the Overview's figures render before it arrives.
 */
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TrendPoint } from '../types.ts';

function tick(iso: string, timeframe: string): string {
  const date = new Date(iso);
  return timeframe === '1d' ? `${String(date.getHours()).padStart(2, '0')}:00` : `${date.getMonth() + 1}/${date.getDate()}`;
}

export default function TrendChart({ trends, timeframe }: { trends: TrendPoint[]; timeframe: string }) {
  return (
    <ResponsiveContainer width="100%" height={240}>
      <AreaChart data={trends} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="#d5d9e0" />
        <XAxis dataKey="bucketStart" tickFormatter={(v: string) => tick(v, timeframe)} stroke="#4b5563" fontSize={12} />
        <YAxis allowDecimals={false} stroke="#4b5563" fontSize={12} width={40} />
        <Tooltip labelFormatter={(v) => new Date(String(v)).toLocaleString()} />
        <Area type="monotone" dataKey="requests" name="Requests" stroke="#1d4ed8" fill="#bfdbfe" isAnimationActive={false} />
        <Area type="monotone" dataKey="errors" name="Errors" stroke="#b91c1c" fill="#fecaca" isAnimationActive={false} />
      </AreaChart>
    </ResponsiveContainer>
  );
}
