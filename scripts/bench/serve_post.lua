-- wrk script for serve_ingest.sh: POSTs the bodies of a file written by
-- serve_bodies.py (each followed by a NUL byte) in turn, each thread from
-- its own starting point, and prints one JSON line at the end.
--
--   wrk -t1 -c16 -d20s --timeout 30s -s serve_post.lua http://127.0.0.1:7474/ingest -- BODIES

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local bodies = {}
local i = 0

function init(args)
  local path = args[1]
  if path == nil then
    error("usage: wrk ... -s serve_post.lua URL -- BODIES")
  end
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  local start = 1
  while true do
    local nul = string.find(data, "\0", start, true)
    if nul == nil then break end
    bodies[#bodies + 1] = string.sub(data, start, nul - 1)
    start = nul + 1
  end
  if #bodies == 0 then
    error(path .. ": no bodies")
  end
  i = (id * 7919) % #bodies
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max))
end
