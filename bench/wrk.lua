-- wrk script: cycles through pre-signed webhook requests, one per line of the file given as
-- the first argument ("path<TAB>signature<TAB>form body"), each wrk thread its own slice, so
-- no two requests share a CallSid while the file lasts. Prints the run's figures as JSON.

local counter = 0

function setup(thread)
  thread:set("slice", counter)
  counter = counter + 1
end

function init(args)
  local slices = tonumber(args[2])
  requests = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % slices == slice then
      local path, signature, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = signature,
      }, body)
    end
    n = n + 1
  end
  position = 0
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
