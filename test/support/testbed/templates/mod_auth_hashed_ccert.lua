-- Copied verbatim into the Prosody instance's plugins/ directory by test/support/testbed/prosody.ts.
-- TEST-ONLY auth provider: internal_hashed passwords (SCRAM/PLAIN, in-band registration)
-- PLUS SASL EXTERNAL via TLS client certificate (xmppAddr in SAN must equal user@host),
-- on the same VirtualHost. Debian's prosody-modules mod_auth_ccert offers EXTERNAL only.
local new_sasl = require "util.sasl".new;
local jid_split = require "util.jid".prepped_split;
local jid_compare = require "util.jid".compare;
module:depends("auth_internal_hashed");
local hashed;
for _, p in ipairs(module:get_host_items("auth-provider")) do
	if p.name == "internal_hashed" then hashed = p; end
end
assert(hashed, "internal_hashed provider not found");

local function external_for(session)
	return function(authz)
		local sock = session.conn:socket();
		local cert = sock.getpeercertificate and sock:getpeercertificate();
		if not cert then session.log("warn", "EXTERNAL: no client certificate"); return nil, false; end
		if not cert:validat(os.time()) then return nil, false; end
		local ok, errs = sock:getpeerverification();
		if not ok then
			for i, e in ipairs(errs or {}) do session.log("warn", "EXTERNAL: chain error at depth %d: %s", i, table.concat(e, ", ")); end
			return nil, false;
		end
		local san = cert:extensions()["2.5.29.17"];
		local addrs = san and san["1.3.6.1.5.5.7.8.5"] or {};
		for _, addr in ipairs(addrs) do
			if authz == "" or jid_compare(authz, addr) then
				local user, host = jid_split(addr);
				if host == module.host and user and hashed.user_exists(user) then
					return user, true;
				end
			end
		end
		session.log("warn", "EXTERNAL: no matching xmppAddr for an existing user");
		return nil, false;
	end
end

-- copy methods (usermanager replaces the provider's metatable, so __index delegation doesn't work)
local provider = { name = "hashed_ccert" };
for k, v in pairs(hashed) do if k ~= "name" then provider[k] = v; end end
function provider.get_sasl_handler(session)
	local base = hashed.get_sasl_handler(session);
	local profile = {};
	for k, v in pairs(base.profile) do if k ~= "mechanisms" then profile[k] = v; end end
	-- offer EXTERNAL only when the client actually presented a certificate
	local sock = session and session.secure and session.conn and session.conn:socket();
	if sock and sock.getpeercertificate and sock:getpeercertificate() then profile.external = external_for(session); end
	return new_sasl(module.host, profile);
end
module:provides("auth", provider);
