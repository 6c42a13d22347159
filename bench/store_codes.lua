-- wrk script for bench/store_page.py: each request asks for a random store code from a list.
-- Usage: wrk -t2 -c32 -d10s --latency -s bench/store_codes.lua http://127.0.0.1:PORT -- codes.txt
-- The list (one code a line) is read once per wrk thread; done() prints one machine-readable line.

local codes = {}
local n = 0

function init(args)
  local path = args[1]
  if path == nil then
    error("store_codes.lua: pass the codes file after --")
  end
  for line in io.lines(path) do
    if #line > 0 then
      n = n + 1
      codes[n] = "/api/mp/v1/stores/" .. line
    end
  end
  if n == 0 then
    error("store_codes.lua: no codes in " .. path)
  end
  -- A different sequence per thread (tables have distinct addresses).
  local salt = tonumber(string.match(tostring({}), "0x(%x+)") or "0", 16) or 0
  math.randomseed(os.time() + salt % 1000003)
end

function request()
  return wrk.format("GET", codes[math.random(n)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,'
      .. '"write_errors":%d,"status_errors":%d,"timeout_errors":%d,"p50_us":%d,"p90_us":%d,'
      .. '"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
