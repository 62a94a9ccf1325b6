-- wrk script for the product routes, one per run, chosen by ROUTE:
--   recommend  POST /recommend {"user_id"} for a random MovieLens user (1..USERS)
--   similar    GET /movies/{id}/similar?cutoff=10 for a random well-known movie
--   foldin     POST /recommend {"ratings": 5 distinct random movies with random ratings} (anonymous fold-in)
--   feedback   POST /feedback for a random user and movie, each with its own time (never a duplicate)
--   batch      POST /recommend/batch with 100 /recommend bodies
-- API_KEY, when set, is sent as "Authorization: Bearer <key>". Prints RESULT_JSON like ../shared/bench.
local route = os.getenv("ROUTE") or "recommend"
local users = tonumber(os.getenv("USERS") or "610")
local key = os.getenv("API_KEY")
local movies = { 1, 2, 6, 10, 32, 47, 50, 110, 150, 260, 296, 318, 344, 356, 364, 367, 377, 380, 457, 480, 500, 527,
  588, 589, 592, 593, 1196, 1198, 1210, 1270, 2028, 2571, 2762, 2858, 2959, 4993, 5952, 7153, 58559, 79132 }
-- tid is a global: setup() sets it in each thread's Lua state (a local here would hide it, and both threads would
-- seed alike and send the same feedback twice).
local counter = 0
local nthreads = 0
tid = tid or 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end

function init(args)
  math.randomseed(os.time() * 1000 + tid * 7919)
end

local headers = { ["Content-Type"] = "application/json" }
if key and key ~= "" then headers["Authorization"] = "Bearer " .. key end

local function movie() return movies[math.random(1, #movies)] end
local function rating() return math.random(1, 10) / 2 end

function request()
  counter = counter + 1
  if route == "similar" then
    return wrk.format("GET", "/movies/" .. movie() .. "/similar?cutoff=10", headers)
  elseif route == "foldin" then
    local parts, seen = {}, {}
    while #parts < 5 do -- five distinct movies: a movie rated twice is refused (400)
      local m = movie()
      if not seen[m] then
        seen[m] = true
        parts[#parts + 1] = string.format('{"movie_id":%d,"rating":%.1f}', m, rating())
      end
    end
    return wrk.format("POST", "/recommend", headers, '{"ratings":[' .. table.concat(parts, ",") .. '],"cutoff":10}')
  elseif route == "feedback" then
    -- a time of its own per thread and request: (user, movie, time) is never sent twice
    local time = 1600000000 + tid * 100000000 + counter
    return wrk.format("POST", "/feedback", headers, string.format(
      '{"user_id":%d,"movie_id":%d,"rating":%.1f,"time":%d}', math.random(1, users), movie(), rating(), time))
  elseif route == "batch" then
    local parts = {}
    for i = 1, 100 do parts[i] = '{"user_id":' .. math.random(1, users) .. ',"cutoff":10}' end
    return wrk.format("POST", "/recommend/batch", headers, '{"requests":[' .. table.concat(parts, ",") .. ']}')
  end
  return wrk.format("POST", "/recommend", headers, '{"user_id":' .. math.random(1, users) .. ',"cutoff":10}')
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format(
    'RESULT_JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"non2xx":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d}\n',
    summary.requests, s, summary.requests / s, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
