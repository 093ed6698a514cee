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
 * Compare-and-set. KEYS: entity, tenant, the tenant's lease. ARGV: mode ('c' = both records, 'a' =
 * entity only, 't' = tenant only: the other record is neither compared nor written), expected entity
 * version, expected tenant version, entity bytes, tenant bytes ('' = unchanged: only the version moves),
 * ttl seconds (0 = none), writer id, claim ('1' = on a conflict, take the tenant's lease; mode 'c' only).
 * The lease makes contention fair: a writer that lost several times in a row claims it, and until it
 * writes (or 250 ms pass) other writers of that tenant are refused, so nobody loses forever.
 * Returns {1, newEntityVersion, newTenantVersion} or, when refused, {0, ev, eb, tv, tb, lease}: the
 * current state, so the caller retries without another read, and who holds the lease (0 nobody,
 * 1 this writer, 2 another).
 */
export const COMMIT = `
local e = redis.call('HMGET', KEYS[1], 'v', 'b')
local t = redis.call('HMGET', KEYS[2], 'v', 'b')
local ev = tonumber(e[1] or '0')
local tv = tonumber(t[1] or '0')
local both = ARGV[1] == 'c'
local wantE = ARGV[1] ~= 't'
local wantT = ARGV[1] ~= 'a'
local lease = false
if both then lease = redis.call('GET', KEYS[3]) end
local held = lease and lease ~= ARGV[7]
if held or (wantE and ev ~= tonumber(ARGV[2])) or (wantT and tv ~= tonumber(ARGV[3])) then
  local owner = 0
  if lease == ARGV[7] then
    owner = 1
  elseif lease then
    owner = 2
  elseif both and ARGV[8] == '1' then
    redis.call('SET', KEYS[3], ARGV[7], 'PX', 250)
    owner = 1
  end
  return {0, ev, e[2] or '', tv, t[2] or '', owner}
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
local nev = ev
if wantE then nev = put(KEYS[1], ev, ARGV[4]) end
local ntv = tv
if wantT then ntv = put(KEYS[2], tv, ARGV[5]) end
if lease then redis.call('DEL', KEYS[3]) end
return {1, nev, ntv}
`;
