# IAM: console users without MFA, old or idle access keys, policies granting everything, roles
# anyone (or an unknown account) may assume. Reads the shapes the iam.* readers produce: policy
# documents normalised to {"statements": [{"effect", "action": [..], "resource": [..],
# "principal": {"AWS": [..], ...}, "condition": {..}}]}, "Principal": "*" read as {"AWS": ["*"]}.
package elava.iam

import rego.v1

r := input.resource

a := object.get(r, "attributes", {})

ns_per_day := ((24 * 60) * 60) * 1000000000

# How old (or how long unused) an active access key may be (data.elava.config.access_key_max_days).
default key_max_days := 90

key_max_days := data.elava.config.access_key_max_days

# `now` comes from the input (RFC 3339), so evaluation is the same everywhere.
days_since(ns) := (time.parse_rfc3339_ns(input.now) - ns) / ns_per_day

# --- console access without MFA
#
# A deny, not a warning: a password alone is one phish or one reused password away from the
# account, the console needs nothing else, and CIS (1.10) and Security Hub (IAM.5) treat it so.

deny contains {"msg": msg, "suggestion": "enable an MFA device for the user, or remove the console password"} if {
	r.type == "iam.user"
	a.has_console_password == true
	count(object.get(a, "mfa_devices", [])) == 0
	msg := concat("", ["IAM user ", r.native_id, " can sign in to the console with a password and has no MFA device"])
}

# --- access keys

active_keys contains k if {
	r.type == "iam.user"
	some k in object.get(a, "access_keys", [])
	k.status == "Active"
}

warn contains {"msg": msg, "suggestion": "rotate the key: create a new one, move its users over, delete the old one"} if {
	some k in active_keys
	days := days_since(time.parse_rfc3339_ns(k.created))
	days > key_max_days
	msg := sprintf("access key %s of IAM user %s is %d days old", [k.id, r.native_id, floor(days)])
}

# Last used on that day (the reader keeps the day only); never used counts from its creation.
last_activity(k) := ["last used", time.parse_rfc3339_ns(concat("", [k.last_used_date, "T00:00:00Z"]))] if k.last_used_date

last_activity(k) := ["never used, created", time.parse_rfc3339_ns(k.created)] if not k.last_used_date

warn contains {"msg": msg, "suggestion": "deactivate the key, and delete it if nothing complains"} if {
	some k in active_keys
	[what, ns] := last_activity(k)
	days := days_since(ns)
	days > key_max_days
	msg := sprintf("active access key %s of IAM user %s is unused: %s %d days ago", [k.id, r.native_id, what, floor(days)])
}

# --- policies granting every action on every resource

# name of the policy → its normalised document: the managed policy itself, or each inline policy.
documents[name] := a.document if {
	r.type == "iam.policy"
	name := concat("", ["managed policy ", r.native_id])
}

documents[name] := p.document if {
	r.type in {"iam.user", "iam.role", "iam.group"}
	some p in object.get(a, "inline_policies", [])
	name := concat("", ["inline policy ", p.name, " of ", r.type, " ", r.native_id])
}

deny contains {"msg": msg, "suggestion": "grant the actions and resources the job needs, not \"*\" on \"*\""} if {
	some name, doc in documents
	some st in doc.statements
	st.effect == "Allow"
	"*" in object.get(st, "action", [])
	"*" in object.get(st, "resource", [])
	msg := concat("", [name, " allows every action (\"*\") on every resource (\"*\")"])
}

# --- who may assume a role

trusts contains st if {
	r.type == "iam.role"
	some st in a.trust_policy.statements
	st.effect == "Allow"
}

wildcard_principal(st) if {
	some _, ids in object.get(st, "principal", {})
	"*" in ids
}

deny contains {"msg": msg, "suggestion": "name the accounts, roles or services that may assume it"} if {
	some st in trusts
	wildcard_principal(st)
	not st.condition
	msg := concat("", ["role ", r.native_id, " can be assumed by any principal (\"*\")"])
}

# With a condition (an external id, an organisation id) a wildcard may be deliberate: still worth a look.
warn contains {"msg": msg, "suggestion": "name the principals instead of \"*\", or make sure the condition holds them in"} if {
	some st in trusts
	wildcard_principal(st)
	st.condition
	msg := concat("", ["role ", r.native_id, " can be assumed by any principal (\"*\") meeting its conditions"])
}

# The account of an AWS principal: a bare account id or an ARN; "*" and unique ids (AROA…) have none.
principal_account(p) := p if {
	count(p) == 12
	trim(p, "0123456789") == ""
}

principal_account(p) := split(p, ":")[4] if startswith(p, "arn:")

# Only when the configuration lists the accounts Elava knows (data.elava.config.accounts, not empty).
warn contains {"msg": msg, "suggestion": "check that the account is meant to assume the role; remove it from the trust policy if not"} if {
	count(data.elava.config.accounts) > 0
	known := {x | some x in data.elava.config.accounts}
	some st in trusts
	some p in object.get(object.get(st, "principal", {}), "AWS", [])
	account := principal_account(p)
	not account in known
	msg := concat("", ["role ", r.native_id, " can be assumed from account ", account, ", which is not one of ours (", p, ")"])
}
