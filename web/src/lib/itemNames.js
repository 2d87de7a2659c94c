// id -> name of every 晨星工厂 criterion and 产业大脑 indicator, for labels built from pointers.
import { useMemo } from 'react';
import { useMorningStar, useIndustryBrain } from '../data.js';

export function useItemNames() {
  const ms = useMorningStar();
  const ib = useIndustryBrain();
  return useMemo(() => Object.fromEntries([...(ms.data?.criteria || []), ...(ib.data?.indicators || [])].map((c) => [c.id, c.name])), [ms.data, ib.data]);
}
