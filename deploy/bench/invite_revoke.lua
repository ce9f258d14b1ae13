-- wrk script: invitation writes against one website of roster's Team API.
--
--   wrk ... -s invite_revoke.lua URL -- MODE WEBSITE_ID TOKEN TAG [LIMIT [READ...]]
--
-- MODE pairs:  POST an invitation (a unique email per request), read the
--              invitationId from the answer and DELETE that invitation with
--              the thread's next request: invite, revoke, invite, ...
-- MODE stream: POST invitations with unique emails only (they stay pending).
-- MODE mixed:  the memory run: each READ ("PATH" or "PATH|CREDENTIAL", a GET)
--              in turn, then an invite+revoke pair, and again; see bench.sh.
-- TAG makes the emails of this run unique across runs (a scenario name and a
-- time stamp); the thread number, a counter and a random number make them
-- unique inside it.  LIMIT (optional, 0 for none): the thread stops after
-- that many responses, so that a run sends a fixed number of requests (wrk's
-- main thread still sleeps out -d: bench.sh interrupts it, see run_wrk).

local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

local mode, site, token, tag, limit
local counter, answered = 0, 0
local pending = {}      -- invitation ids to revoke, oldest first
local reads = {}        -- mixed mode: prepared GET requests
local turn = 0
local post_headers, del_headers

function init(args)
	mode, site, token, tag = args[1], args[2], args[3], args[4]
	limit = tonumber(args[5] or "0") or 0
	math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
	post_headers = {
		["Authorization"] = "Bearer " .. token,
		["Content-Type"] = "application/json",
	}
	del_headers = { ["Authorization"] = "Bearer " .. token }
	for i = 6, #args do
		-- "PATH|BEARER" or "PATH" (no credential)
		local path, cred = args[i]:match("^([^|]*)|?(.*)$")
		local h = {}
		if cred ~= "" then h["Authorization"] = "Bearer " .. cred end
		reads[#reads + 1] = wrk.format("GET", path, h)
	end
end

local function invite()
	counter = counter + 1
	local email = string.format("%s-t%d-%d-%06d@bench.example", tag,
	    tid or 0, counter, math.random(0, 999999))
	return wrk.format("POST", "/api/v1/admin/websites/" .. site .. "/team",
	    post_headers,
	    '{"email":"' .. email .. '","role":"member"}')
end

local function revoke()
	local id = table.remove(pending, 1)
	return wrk.format("DELETE", "/api/v1/admin/websites/" .. site ..
	    "/team/invitations/" .. id, del_headers)
end

function request()
	if mode == "stream" then
		return invite()
	end
	if #pending > 0 then
		return revoke()
	end
	if mode == "mixed" and #reads > 0 then
		turn = turn + 1
		local k = turn % (#reads + 1)
		if k ~= 0 then
			return reads[k]
		end
	end
	return invite()
end

function response(status, headers, body)
	answered = answered + 1
	if mode ~= "stream" and status == 200 and
	    string.find(body, "inviteUrl", 1, true) then
		local id = string.match(body, '"invitationId"%s*:%s*"(%x+)"')
		if id then pending[#pending + 1] = id end
	end
	if limit > 0 and answered >= limit then
		wrk.thread:stop()
	end
end
