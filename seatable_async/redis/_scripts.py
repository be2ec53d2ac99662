"""The store's Lua scripts. Each touches only keys of one hash tag (see ``_keys``).

Every script is safe to run twice with the same arguments, because the store retries an
operation whose answer was lost while a primary fails over.
"""

from __future__ import annotations

import hashlib

import attrs


@attrs.frozen
class Script:
    """A Lua source and its SHA-1 (for ``EVALSHA``, falling back to ``EVAL`` on ``NOSCRIPT``)."""

    source: str
    sha: str = attrs.field(init=False)

    @sha.default
    def _sha(self) -> str:
        return hashlib.sha1(self.source.encode()).hexdigest()


# KEYS: token. ARGV: fingerprint. Deletes the token only if it is the one with that fingerprint.
DISCARD = Script("""
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then
  return redis.call('DEL', KEYS[1])
end
return 0
""")

# KEYS: lock. ARGV: owner, expiry in ms. Taken, or already ours (a retried attempt).
LOCK = Script("""
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
""")

# KEYS: lock. ARGV: owner.
UNLOCK = Script("""
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
""")

# The budget rules of ``BudgetStore`` (seatable_async._http.budget), for a fleet. Hash fields:
# limit, window (the reset of the window counted), reported (the lowest remaining the server
# reported for it), rolled_from (the window before), blocked_until, c429. In flight: the zset.

# KEYS: budget hash, in-flight zset. ARGV: now, ticket, reset margin, in-flight ttl, key ttl.
# A ticket already in flight was counted by an earlier attempt: counted once only.
ACQUIRE = Script("""
local now = tonumber(ARGV[1])
local margin = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return '0' end
local in_flight = redis.call('ZCARD', KEYS[2])
local b = redis.call('HMGET', KEYS[1], 'limit', 'window', 'reported', 'blocked_until')
local limit, window, reported = tonumber(b[1]), tonumber(b[2]), tonumber(b[3])
local blocked = tonumber(b[4]) or 0
if blocked > now then return tostring(blocked - now) end
if window and now >= window + margin then
  redis.call('HSET', KEYS[1], 'rolled_from', tostring(window))
  redis.call('HDEL', KEYS[1], 'window')
  window = nil
  reported = limit
  if reported then redis.call('HSET', KEYS[1], 'reported', tostring(reported)) end
end
local take = limit == nil or reported == nil or reported - in_flight > 0
if not take and window then return tostring(window + margin - now) end
if not take and in_flight > 0 then return '0.05' end
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
return '0'
""")

# Per event: KEYS budget hash, in-flight zset; ARGV (10 each): now, ticket, status, limit,
# remaining, reset, retry_after, max_wait, reset margin, sent ('' = none); then in-flight ttl,
# key ttl. A request never sent only gives its unit back. On a cluster the store sends one call
# per base (one hash tag, one slot). Applying an event twice changes nothing more: only the
# removal of its ticket counts a 429 towards the backoff.
RELEASE = Script("""
local n = #KEYS / 2
local inflight_ttl = tonumber(ARGV[n * 10 + 1])
local key_ttl = tonumber(ARGV[n * 10 + 2])
for i = 0, n - 1 do
  local h, z = KEYS[2 * i + 1], KEYS[2 * i + 2]
  local a = 10 * i
  local now = tonumber(ARGV[a + 1])
  local first = redis.call('ZREM', z, ARGV[a + 2]) == 1
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now - inflight_ttl)
  if ARGV[a + 10] ~= '0' then
    local status = tonumber(ARGV[a + 3])
    local hl, hr, hreset = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
    local retry_after = tonumber(ARGV[a + 7])
    local max_wait, margin = tonumber(ARGV[a + 8]), tonumber(ARGV[a + 9])
    local b = redis.call('HMGET', h, 'limit', 'window', 'reported', 'rolled_from',
                         'blocked_until', 'c429')
    local limit, window, reported = tonumber(b[1]), tonumber(b[2]), tonumber(b[3])
    local rolled_from = tonumber(b[4])
    local blocked = tonumber(b[5]) or 0
    local c429 = tonumber(b[6]) or 0
    if hl and hl > 0 and hr and hreset then
      if hreset > now and hreset - now <= max_wait * 10 then
        limit = hl
        if window == nil or hreset > window then
          if rolled_from == nil or hreset > rolled_from then
            window, reported = hreset, hr
          end
        elseif hreset == window and reported ~= nil then
          reported = math.min(reported, hr)
        end
      elseif hr <= 0 and hreset > now then
        blocked = now + max_wait
      end
    end
    if status == 429 then
      if first then c429 = c429 + 1 end
      if reported ~= nil then reported = math.min(reported, 0) end
      local wait = retry_after
      if wait == nil or (window ~= nil and window > now) then
        if window ~= nil and window > now then
          wait = window - now + margin
        else
          wait = math.min(max_wait, 0.5 * 2 ^ math.min(c429, 7))
        end
      end
      blocked = math.max(blocked, now + wait)
    elseif status ~= nil and status < 500 then
      c429 = 0
    end
    redis.call('HSET', h, 'blocked_until', tostring(blocked), 'c429', tostring(c429))
    if limit then redis.call('HSET', h, 'limit', tostring(limit)) end
    if window then redis.call('HSET', h, 'window', tostring(window)) end
    if reported then redis.call('HSET', h, 'reported', tostring(reported)) end
  end
  redis.call('EXPIRE', h, key_ttl)
  redis.call('EXPIRE', z, key_ttl)
end
return n
""")
