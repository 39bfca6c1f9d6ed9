-- Bastion test bed: Prosody 0.12 (Debian) in the foreground, loopback only, all state in the run
-- directory. Rendered by test/support/testbed/prosody.ts; double-brace names are placeholders.
local base = "{{DIR}}"

run_as_root = true              -- the test bed runs as root; everything it writes is in `base`
certificates = "{{CERT_DIR}}"  -- indexed by certmanager; the explicit ssl tables below win
pidfile = base .. "/prosody.pid"
data_path = base .. "/data"
plugin_paths = { base .. "/plugins" }   -- mod_auth_hashed_ccert.lua
admin_socket = base .. "/admin.sock"    -- unix socket, used by `prosodyctl shell`
log = {
  { levels = { min = "info" }, to = "console" };   -- captured in prosody.out by process.ts
  { levels = { min = "debug" }, to = "file", filename = base .. "/prosody.log" };
}

-- Only c2s, only on this instance's own loopback address (UCR forces port 5222, so every server
-- of the test bed gets its own 127.x address).
interfaces = { "{{ADDRESS}}" }
c2s_interfaces = { "{{ADDRESS}}" }
c2s_ports = { {{PORT}} }
c2s_direct_tls_ports = { }
s2s_ports = { }
s2s_direct_tls_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }

modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "carbons"; "pep"; "private"; "blocklist"; "privacy_lists";
  "vcard4"; "vcard_legacy"; "version"; "uptime"; "time"; "ping"; "register"; "mam"; "smacks";
  "offline"; "csi_simple"; "admin_shell";
  -- XEP-0388 SASL2 + XEP-0386 Bind2 (prosody-modules): authentication and binding in one exchange.
  "sasl2"; "sasl2_bind2";
  -- XEP-0402 bookmarks kept in step with XEP-0048 private storage (urn:xmpp:bookmarks:1#compat).
  "bookmarks";
}
modules_disabled = { "s2s" }

c2s_require_encryption = true
allow_registration = true                                 -- XEP-0077 in-band registration
registration_allowlist = { "127.0.0.0/8", "::1" }         -- no throttling for loopback clients
authentication = "hashed_ccert"                           -- passwords (SCRAM/PLAIN) + SASL EXTERNAL
storage = "internal"
archive_expires_after = "1w"
default_archive_policy = true
smacks_hibernation_time = 60

ssl = {
  protocol = "tlsv1_2+";
  certificate = "{{CERT_CHAIN}}";
  key = "{{CERT_KEY}}";
}
c2s_ssl = {
  protocol = "tlsv1_2+";
  certificate = "{{CERT_CHAIN}}";
  key = "{{CERT_KEY}}";
  cafile = "{{CA_FILE}}"; capath = false;     -- trust only the test CA for client certificates
  verify = { "peer"; "client_once" };          -- request (not require) a client certificate
  verifyext = { lsec_ignore_purpose = false }; -- else luasec checks client certs for serverAuth EKU
}

VirtualHost "{{DOMAIN}}"

Component "{{MUC_DOMAIN}}" "muc"
  modules_enabled = { "muc_mam" }
  restrict_room_creation = false
