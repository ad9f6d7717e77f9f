import { luaScript } from '../redis/lua-script.js';

/**
 * The script's helpers, the state its checks track, and its `commands` table: everything before
 * it reads KEYS and ARGV, so a test can run it on its own and list the commands.
 */
export const opCommandsLua = `-- Canonical decimal strings. Lua's string < follows the server's locale, so compare bytes.
local function isAfter(a, b)
  if #a ~= #b then return #a > #b end
  for k = 1, #a do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then return x > y end
  end
  return false
end

-- What INCRBY and HINCRBY accept: a missing value (0) or a canonical signed 64-bit integer.
local function isInteger(value)
  if not value or value == '0' then return true end
  local digits = string.match(value, '^%-?([1-9]%d*)$')
  if not digits then return false end
  if #digits ~= 19 then return #digits < 19 end
  local limit = string.sub(value, 1, 1) == '-' and '9223372036854775808' or '9223372036854775807'
  return not isAfter(digits, limit)
end

-- A stored value as INCRBY and HINCRBY see it: '0' when missing, itself when an integer, else false.
local function asInteger(value)
  if not value then return '0' end
  return isInteger(value) and value or false
end

-- a + b for canonical integers below 2^63 in size, as a canonical decimal string that may lie
-- outside 64 bits (isInteger says). Each is split into nine low digits and the rest, so every
-- step stays far below 2^53, where doubles stop being exact.
local function split(value)
  local sign, digits = 1, value
  if string.sub(value, 1, 1) == '-' then sign, digits = -1, string.sub(value, 2) end
  local high = #digits > 9 and tonumber(string.sub(digits, 1, #digits - 9)) or 0
  return sign * high, sign * tonumber(string.sub(digits, -9))
end
local function add(a, b)
  local ah, al = split(a)
  local bh, bl = split(b)
  local high, low = ah + bh, al + bl
  if low >= 1e9 then high, low = high + 1, low - 1e9 elseif low <= -1e9 then high, low = high - 1, low + 1e9 end
  if high > 0 and low < 0 then high, low = high - 1, low + 1e9 elseif high < 0 and low > 0 then high, low = high + 1, low - 1e9 end
  local sign = (high < 0 or low < 0) and '-' or ''
  high, low = math.abs(high), math.abs(low)
  if high == 0 then return sign .. string.format('%d', low) end
  return sign .. string.format('%.0f', high) .. string.format('%09d', low)
end

-- What the checks track through the batch. kinds: the type each key has at this point;
-- replaced: set/del earlier in the batch, so the stored value no longer matters; ints/fieldInts:
-- what a string or hash field holds at this point, as an integer string, or false when it is not
-- an integer (nil: not looked at yet).
local kinds, replaced, ints, fieldInts = {}, {}, {}, {}
local function reject(n, op, why)
  return {'rejected', 'op ' .. n .. ' (' .. op.command .. ' ' .. op.key .. ') ' .. why}
end
local function increment(n, op, current, by, what)
  if not current then return nil, reject(n, op, 'would meet ' .. what .. ' that is not an integer') end
  local sum = add(current, by)
  if not isInteger(sum) then
    return nil, reject(n, op, 'would overflow ' .. what .. ': ' .. current .. ' + ' .. by .. ' is outside the signed 64-bit range')
  end
  return sum
end
-- HSET and ZADD of many pairs, in slices: unpack puts every value on Lua's stack, which holds a
-- few thousand at most.
local function inSlices(name)
  return function(op)
    local last = op.at + 2 * op.count - 1
    for from = op.at, last, 200 do
      redis.call(name, op.key, unpack(ARGV, from, math.min(from + 199, last)))
    end
  end
end

-- One entry per op command (op-kinds.ts holds the other half). args: arguments after the key,
-- or 'pairs' (a count, then that many pairs); needs: the key type it works on; replaces: the
-- type it leaves the key with whatever it held; check(n, op, fields): what it must also pass
-- against the values tracked so far (returns a rejection or nil); write(op): when a plain
-- redis.call(command, key, args...) will not do.
local commands = {
  set = { args = 1, replaces = 'string', check = function(n, op) ints[op.key] = asInteger(ARGV[op.at]) end },
  del = { args = 0, replaces = 'none', check = function(n, op) ints[op.key] = '0' end },
  incrby = { args = 1, needs = 'string', check = function(n, op)
    local current = ints[op.key]
    if current == nil then current = asInteger(redis.call('GET', op.key)) end
    local sum, rejected = increment(n, op, current, ARGV[op.at], 'a value')
    if rejected then return rejected end
    ints[op.key] = sum
  end },
  hset = { args = 'pairs', needs = 'hash', write = inSlices('HSET'), check = function(n, op, fields)
    for f = op.at, op.at + 2 * op.count - 1, 2 do fields[ARGV[f]] = asInteger(ARGV[f + 1]) end
  end },
  hincrby = { args = 2, needs = 'hash', check = function(n, op, fields)
    local field = ARGV[op.at]
    local current = fields[field]
    if current == nil then current = replaced[op.key] and '0' or asInteger(redis.call('HGET', op.key, field)) end
    local sum, rejected = increment(n, op, current, ARGV[op.at + 1], 'field ' .. field)
    if rejected then return rejected end
    fields[field] = sum
  end },
  hdel = { args = 1, needs = 'hash', check = function(n, op, fields) fields[ARGV[op.at]] = '0' end },
  zadd = { args = 2, needs = 'zset' },
  zaddn = { args = 'pairs', needs = 'zset', write = inSlices('ZADD') },
  zrem = { args = 1, needs = 'zset' },
  sadd = { args = 1, needs = 'set' },
  srem = { args = 1, needs = 'set' },
  lpush = { args = 1, needs = 'list' },
}
`;

/**
 * The commit of one projection batch, as one Lua script: fenced, exactly once, all or nothing.
 *
 * Why a script and not WATCH + MULTI/EXEC: WATCH is connection state, so every runner would need a
 * dedicated connection, and the lease and checkpoint checks would cost a round trip before the
 * EXEC. The script checks the lease token and the checkpoint and applies the writes while nothing
 * else runs, in one round trip on the shared, pipelined connection. MULTI never aborts on a
 * failed command, and neither does a script undo writes when a command fails half-way, so the
 * script first checks every op against key types and integer values (tracking what the batch
 * itself changes, values included) and writes only when all will succeed. That covers INCRBY and
 * HINCRBY leaving the signed 64-bit range ("increment or decrement would overflow"): the sum is
 * worked out on decimal strings first, since Lua's numbers are doubles, exact only to 2^53. The
 * `#!lua` shebang (Redis 7+) makes Redis refuse the whole script up front when it is out of
 * memory, instead of failing at a write.
 *
 * The checkpoint advance and the batch's change notifications (`notify` ops, bundled per topic)
 * are published by the script itself, after the writes. Subscribers hear them only when the data
 * is there, and a committed batch is always announced: published after the script returned, a
 * runner that died (or was paused past its lease) in between would leave `consistentWith` waiters
 * asleep and subscribers missing changes, and a paused one's late publish could arrive after its
 * successor's newer ones, out of log order. Redis runs scripts one at a time, so announcements
 * leave in commit order. Change notifications go out only while readers use this version.
 *
 * Each op command is one entry of the script's `commands` table (below, `opCommandsLua`), the
 * other half of op-kinds.ts: how many arguments it takes, the key type it needs (or the type it
 * replaces the key with), the checks it adds and, when a plain call will not do, how it writes.
 *
 * KEYS: 1 lease, 2 checkpoint, 3 active version, 4.. read-model keys.
 * ARGV: 1 lease token, 2 new checkpoint, 3 this version, 4 progress channel, 5 progress message,
 *       6 number of change bundles B, 7.. 6+2B channel and bundle pairs, then the ops (encoded
 *       by commit-ops.ts).
 * Reply: {'committed', 1 if this version is the active one else 0} | {'fenced'} |
 *        {'stale', stored checkpoint} | {'rejected', reason}.
 */
export const commitScript = luaScript(`#!lua
${opCommandsLua}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'fenced'} end
local stored = redis.call('GET', KEYS[2])
if stored and not isAfter(ARGV[2], stored) then return {'stale', stored} end

-- Decode: <command> <key index> <args...>.
local bundles = tonumber(ARGV[6])
if not bundles then return {'rejected', 'the change bundle count is malformed'} end
local ops, i = {}, 7 + 2 * bundles
while i <= #ARGV do
  local op = { command = ARGV[i], key = KEYS[tonumber(ARGV[i + 1])], at = i + 2 }
  op.spec = commands[op.command]
  if op.spec == nil or op.key == nil then
    return {'rejected', 'op ' .. (#ops + 1) .. ' is malformed: ' .. tostring(op.command)}
  end
  if op.spec.args == 'pairs' then
    op.count = tonumber(ARGV[i + 2])
    op.at = i + 3
    i = op.at + 2 * op.count
  else
    i = op.at + op.spec.args
  end
  ops[#ops + 1] = op
end

-- Check every op before writing anything.
for n, op in ipairs(ops) do
  local key, spec = op.key, op.spec
  local fields
  if spec.replaces then
    kinds[key] = spec.replaces
    replaced[key] = true
    fields = {}
  else
    local kind = kinds[key] or redis.call('TYPE', key).ok
    if kind ~= 'none' and kind ~= spec.needs then return reject(n, op, 'would meet a ' .. kind .. ', not a ' .. spec.needs) end
    kinds[key] = spec.needs
    fields = fieldInts[key] or {}
  end
  fieldInts[key] = fields
  if spec.check then
    local rejected = spec.check(n, op, fields)
    if rejected then return rejected end
  end
end

for _, op in ipairs(ops) do
  if op.spec.write then
    op.spec.write(op)
  else
    redis.call(op.command, op.key, unpack(ARGV, op.at, op.at + op.spec.args - 1))
  end
end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[5])
local active = redis.call('GET', KEYS[3]) == ARGV[3]
if active then
  for b = 7, 6 + 2 * bundles, 2 do redis.call('PUBLISH', ARGV[b], ARGV[b + 1]) end
end
return {'committed', active and 1 or 0}
`);
