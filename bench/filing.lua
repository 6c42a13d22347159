-- wrk script for bench/complaint_filing.py: POST complaint filings from a prepared list.
-- Usage: wrk -t2 -c32 -d10s --latency -s bench/filing.lua http://127.0.0.1:PORT -- RUNDIR
--
-- RUNDIR holds, for wrk thread N (1-based):
--   items-N.tsv  one item a line: token \t store code \t Idempotency-Key \t client address \t JSON body
--   order-N.txt  the item numbers (1-based lines of items-N.tsv) in sending order; every item appears
--                exactly twice (bench/complaint_filing.py interleaves them: some copies back to back,
--                some a few requests apart, some far apart)
-- Each request carries the item's token, key and body unchanged, so both copies are the same request.
-- When a thread has sent its whole order it stops (the run ends early; the script reports it) instead
-- of sending any key a third time.
--
-- done() writes RUNDIR/result.json: per thread how many requests were issued (a prefix of its order),
-- responses by status, how many 201s were replays (Idempotent-Replayed: true), and the complaint
-- number of every 201 response (to be matched with the rows). One BENCHJSON line has wrk's summary.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  rundir = args[1]
  if rundir == nil then
    error("filing.lua: pass the run directory after --")
  end
  reqs = {}
  local n = 0
  for line in io.lines(rundir .. "/items-" .. tid .. ".tsv") do
    if #line > 0 then
      local token, code, key, addr, body =
        string.match(line, "^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)\t(.+)$")
      if body == nil then
        error("filing.lua: bad item line " .. (n + 1) .. " in thread " .. tid)
      end
      n = n + 1
      reqs[n] = wrk.format("POST", "/api/mp/v1/stores/" .. code .. "/complaints", {
        ["Authorization"] = "Bearer " .. token,
        ["Idempotency-Key"] = key,
        ["X-Forwarded-For"] = addr,
        ["Content-Type"] = "application/json",
      }, body)
    end
  end
  order = {}
  for line in io.lines(rundir .. "/order-" .. tid .. ".txt") do
    if #line > 0 then
      order[#order + 1] = tonumber(line)
    end
  end
  if #order == 0 then
    error("filing.lua: empty order for thread " .. tid)
  end
  filler = wrk.format("GET", "/healthz")
  pos = 0
  issued = 0
  exhausted = 0
  statuses = {}
  replayed = 0
  numbers = {}
  nnum = 0
end

function request()
  pos = pos + 1
  if pos > #order then
    -- Never a third copy of a key: send a harmless probe and stop this thread.
    exhausted = 1
    wrk.thread:stop()
    return filler
  end
  issued = pos
  return reqs[order[pos]]
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  if status == 201 then
    if headers["Idempotent-Replayed"] == "true" then
      replayed = replayed + 1
    end
    nnum = nnum + 1
    numbers[nnum] = string.match(body, '"number":%s*"([%w]+)"') or "?"
  end
end

local function json_str(s)
  return '"' .. string.gsub(s, '[%c"\\]', "") .. '"'
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,'
      .. '"write_errors":%d,"status_errors":%d,"timeout_errors":%d,"p50_us":%d,"p90_us":%d,'
      .. '"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
  local dir = threads[1]:get("rundir")
  local out = assert(io.open(dir .. "/result.json", "w"))
  out:write('{"threads":[')
  for i, t in ipairs(threads) do
    if i > 1 then
      out:write(",")
    end
    local parts = {}
    for k, v in pairs(t:get("statuses") or {}) do
      parts[#parts + 1] = string.format('"%s":%d', k, v)
    end
    local nums = {}
    for j, v in ipairs(t:get("numbers") or {}) do
      nums[j] = json_str(v)
    end
    out:write(string.format(
      '{"tid":%d,"issued":%d,"exhausted":%d,"replayed":%d,"statuses":{%s},"numbers":[%s]}',
      t:get("tid"), t:get("issued") or 0, t:get("exhausted") or 0, t:get("replayed") or 0,
      table.concat(parts, ","), table.concat(nums, ",")))
  end
  out:write("]}\n")
  out:close()
end
