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

# KEYS: budget hash, in-flight zset. ARGV: now, ticket, reset margin, in-flight ttl, key ttl.
# A ticket already in flight was counted by an earlier attempt: counted once only.
ACQUIRE = Script("""
local now = tonumber(ARGV[1])
local margin = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return '0' end
local in_flight = redis.call('ZCARD', KEYS[2])
local b = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'reset_at', 'blocked_until')
local limit = tonumber(b[1])
local remaining = tonumber(b[2]) or 0
local reset_at = tonumber(b[3])
local blocked = tonumber(b[4]) or 0
if blocked > now then return tostring(blocked - now) end
if limit and reset_at then
  if now >= reset_at + margin then
    remaining = math.max(0, limit - in_flight)
    reset_at = nil
    redis.call('HDEL', KEYS[1], 'reset_at')
  elseif remaining <= 0 then
    return tostring(reset_at + margin - now)
  end
end
if limit and remaining <= 0 and not reset_at then
  if in_flight > 0 then return '0.05' end
  remaining = 1
end
redis.call('HSET', KEYS[1], 'remaining', tostring(remaining - 1))
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
return '0'
""")

# Per event: KEYS budget hash, in-flight zset; ARGV (9 each): now, ticket, status, limit,
# remaining, reset, retry_after, max_wait, reset margin ('' = none); then in-flight ttl, key ttl.
# On a cluster the store sends one call per base (one hash tag, one slot). Applying an event twice
# changes nothing more: only the removal of its ticket counts a 429 towards the backoff.
RELEASE = Script("""
local n = #KEYS / 2
local inflight_ttl = tonumber(ARGV[n * 9 + 1])
local key_ttl = tonumber(ARGV[n * 9 + 2])
for i = 0, n - 1 do
  local h, z = KEYS[2 * i + 1], KEYS[2 * i + 2]
  local a = 9 * i
  local now = tonumber(ARGV[a + 1])
  local status = tonumber(ARGV[a + 3])
  local hl, hr, hreset = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local retry_after = tonumber(ARGV[a + 7])
  local max_wait, margin = tonumber(ARGV[a + 8]), tonumber(ARGV[a + 9])
  local first = redis.call('ZREM', z, ARGV[a + 2]) == 1
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now - inflight_ttl)
  local in_flight = redis.call('ZCARD', z)
  local b = redis.call('HMGET', h, 'limit', 'remaining', 'reset_at', 'blocked_until', 'c429')
  local limit = tonumber(b[1])
  local remaining = tonumber(b[2]) or 0
  local reset_at = tonumber(b[3])
  local blocked = tonumber(b[4]) or 0
  local c429 = tonumber(b[5]) or 0
  if hl and hl > 0 and hr and hreset then
    if hreset > now and hreset - now <= max_wait * 10 then
      if limit == nil then remaining = hr - in_flight end
      limit = hl
      if reset_at == nil or hreset > reset_at then
        if reset_at ~= nil and hreset > reset_at then remaining = hl - in_flight end
        reset_at = hreset
      end
      remaining = math.min(remaining, hr)
    elseif hr <= 0 and hreset > now then
      blocked = now + max_wait
    end
  end
  if status == 429 then
    if first then c429 = c429 + 1 end
    remaining = 0
    local wait = retry_after
    if wait == nil or (reset_at ~= nil and reset_at > now) then
      if reset_at ~= nil and reset_at > now then
        wait = reset_at - now + margin
      else
        wait = math.min(max_wait, 0.5 * 2 ^ math.min(c429, 7))
      end
    end
    blocked = math.max(blocked, now + wait)
  elseif status ~= nil and status < 500 then
    c429 = 0
  end
  redis.call('HSET', h, 'remaining', tostring(remaining), 'blocked_until', tostring(blocked),
             'c429', tostring(c429))
  if limit then redis.call('HSET', h, 'limit', tostring(limit)) end
  if reset_at then redis.call('HSET', h, 'reset_at', tostring(reset_at)) end
  redis.call('EXPIRE', h, key_ttl)
  redis.call('EXPIRE', z, key_ttl)
end
return n
""")
