// Catalogues and regions, fetched once per page load.
import { useEffect, useState } from 'react';
import { api } from './api.js';

const cache = {};
function load(path) {
  if (!cache[path]) {
    cache[path] = api(path, { auth: false }).then((r) => r.data).catch((e) => { delete cache[path]; throw e; });
  }
  return cache[path];
}

export function useResource(path) {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    let live = true;
    load(path).then((data) => live && setState({ data, error: null }), (error) => live && setState({ data: null, error }));
    return () => { live = false; };
  }, [path]);
  return state;
}

export const useMorningStar = () => useResource('/v1/catalogs/morning-star');
export const useIndustryBrain = () => useResource('/v1/catalogs/industry-brain');
export const useRegions = () => useResource('/v1/catalogs/regions');

// code -> name for every county and city.
export function regionNames(regions) {
  const out = {};
  if (!regions) return out;
  out[regions.province.code] = regions.province.name;
  for (const c of regions.cities) {
    out[c.code] = c.name;
    for (const k of c.counties) out[k.code] = `${c.name}${k.name}`;
  }
  return out;
}

// Cascader options: city -> county.
export function countyOptions(regions, onlyCity) {
  if (!regions) return [];
  return regions.cities
    .filter((c) => !onlyCity || c.code === onlyCity)
    .map((c) => ({ value: c.code, label: c.name, children: c.counties.map((k) => ({ value: k.code, label: k.name })) }));
}

export function cityOfCounty(regions, county) {
  return regions?.cities.find((c) => c.counties.some((k) => k.code === county))?.code;
}

// Debounced effect value.
export function useDebounced(value, ms) {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
