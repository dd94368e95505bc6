-- wrk script for tests/benchmarks/test_stream_bench.py: GETs the paths listed in the file
-- given after "--", in turn (each thread starts at a different one), and prints one JSON
-- line with the totals and latency percentiles. Statuses >= 400 are wrk's errors.status;
-- the byte count (checked by the test) catches anything else, such as redirects. No
-- response() callback: it would make wrk copy every body into Lua.
local paths = {}
local counter = 0
local threads = {}
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  counter = (id * 7) % #paths
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "bytes": %d, "duration_us": %d, "p50_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "bad_status": %d, "socket_errors": %d}\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
