-- wrk script for `make bench-http`: every request is a POST of one request file to the
-- evaluate route. The file is the argument after `--`:
--   wrk -s benches/http/post.lua http://127.0.0.1:PORT/1/v1/evaluate/ -- benches/calls/add.json
-- The body is read once per wrk thread, in init, before wrk builds its request.

function init(args)
  local path = args[1]
  if path == nil then
    error("post.lua: give the request file after --")
  end
  local file = assert(io.open(path, "rb"))
  local body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
