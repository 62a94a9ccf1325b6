-- wrk script: POST /recommend for users spread over the MovieLens ids (1..USERS, default 610).
-- Cached runs reuse the same users; with RECSERVE_CACHE_ENABLED=false every request walks the whole path.
local users = tonumber(os.getenv("USERS") or "610")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- With API keys set on the node (RECSERVE_API_KEYS), API_KEY=<a read key> sends it.
if os.getenv("API_KEY") then wrk.headers["Authorization"] = "Bearer " .. os.getenv("API_KEY") end

request = function()
  counter = counter + 1
  local user = (counter * 7919) % users + 1
  return wrk.format(nil, "/recommend", nil, '{"user_id": ' .. user .. ', "cutoff": 10}')
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.1f rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
