-- wrk script: paces requests to RATE per second in all (one wrk thread), whatever the number of connections.
-- wrk's delay() takes whole milliseconds, so each request takes the next slot of a schedule kept in
-- fractions of a millisecond: slots that come due within a millisecond go at once, the average is RATE exactly.
--   RATE=30000 wrk -t1 -c16 -d60s --latency -s Benchmarks/paced.lua http://127.0.0.1:8080/
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } paced_timespec;
int clock_gettime(int clock, paced_timespec *now);
]]
local now = ffi.new("paced_timespec")
local function milliseconds()
  ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
  return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
end
local interval = 1000 / tonumber(os.getenv("RATE") or "1000")
local due = nil

function delay()
  local t = milliseconds()
  -- After a stall (the server or the client was busy), start again from now rather than send the backlog at once.
  if due == nil or due < t - 100 then due = t end
  due = due + interval
  local wait = due - t
  if wait < 1 then return 0 end
  return math.floor(wait)
end
