// The two server-side scripts. Each record is a hash {v: version, b: record bytes}; a missing key is
// version 0. Versions only grow while a key lives, and a re-created key starts at (ms clock * 1000),
// above any version the expired one reached, so a stale cached version can never match by accident.

/** KEYS: entity, tenant → {entityVersion, entityBytes, tenantVersion, tenantBytes} ('' = absent). */
export const LOAD = `
local e = redis.call('HMGET', KEYS[1], 'v', 'b')
local t = redis.call('HMGET', KEYS[2], 'v', 'b')
return {tonumber(e[1] or '0'), e[2] or '', tonumber(t[1] or '0'), t[2] or ''}
`;

/**
 * Compare-and-set of both records. KEYS: entity, tenant. ARGV: mode ('c' = both records, 'a' = entity
 * only: the tenant is neither compared nor written), expected entity version, expected tenant version,
 * entity bytes, tenant bytes ('' = unchanged: only the version moves), ttl seconds (0 = none).
 * Returns {1, newEntityVersion, newTenantVersion} or, on a version mismatch, {0, ev, eb, tv, tb}: the
 * current state, so the caller retries without another read.
 */
export const COMMIT = `
local e = redis.call('HMGET', KEYS[1], 'v', 'b')
local t = redis.call('HMGET', KEYS[2], 'v', 'b')
local ev = tonumber(e[1] or '0')
local tv = tonumber(t[1] or '0')
local both = ARGV[1] == 'c'
if ev ~= tonumber(ARGV[2]) or (both and tv ~= tonumber(ARGV[3])) then
  return {0, ev, e[2] or '', tv, t[2] or ''}
end
local ttl = tonumber(ARGV[6])
local function start()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000000 + math.floor(tonumber(now[2]) / 1000) * 1000
end
local function put(key, v, bytes)
  if v == 0 then v = start() else v = v + 1 end
  if bytes ~= '' then redis.call('HSET', key, 'v', v, 'b', bytes) else redis.call('HSET', key, 'v', v) end
  if ttl > 0 then redis.call('EXPIRE', key, ttl) end
  return v
end
local nev = put(KEYS[1], ev, ARGV[4])
local ntv = tv
if both then ntv = put(KEYS[2], tv, ARGV[5]) end
return {1, nev, ntv}
`;
