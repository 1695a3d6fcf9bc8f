-- wrk script: every request carries the next citizen's session cookie (round robin per
-- thread), and the summary is printed as one JSON line (latencies in microseconds).
-- bench/run.py writes the cookie list to the file named by BENCH_COOKIES.

local cookies = {}
local path = os.getenv("BENCH_COOKIES")
if path then
  for line in io.lines(path) do
    if #line > 0 then cookies[#cookies + 1] = line end
  end
end
local counter = 0

function setup(thread)
  thread:set("offset", #cookies > 0 and math.random(#cookies) or 0)
end

request = function()
  counter = counter + 1
  if #cookies == 0 then
    return wrk.format("GET")
  end
  local cookie = cookies[((counter + (offset or 0)) % #cookies) + 1]
  return wrk.format("GET", nil, { ["Cookie"] = cookie })
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "median_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "mean_us": %.1f, "non_2xx_3xx": %d, ' ..
    '"socket_errors": %d, "cookies": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout, #cookies))
end
