package elava.iam_test

import rego.v1

import data.elava.iam

res(type, name, attrs) := {"id": sprintf("aws:123456789012:global:%s:%s", [type, name]), "type": type, "native_id": name, "tags": {}, "attributes": attrs}

now := "2026-11-22T12:00:00Z"

user(attrs) := res("iam.user", "alice", object.union({"path": "/", "attached_policy_arns": [], "inline_policies": [], "groups": [], "access_keys": [], "mfa_devices": [], "has_console_password": false}, attrs))

# --- console password without MFA

test_console_password_without_mfa_denied if {
	msgs := {d.msg | some d in iam.deny} with input as {"resource": user({"has_console_password": true})}
	msgs == {"IAM user alice can sign in to the console with a password and has no MFA device"}
}

test_console_password_with_mfa_is_quiet if {
	count(iam.deny) == 0 with input as {"resource": user({"has_console_password": true, "mfa_devices": [{"serial": "arn:aws:iam::123456789012:mfa/alice", "enabled_date": "2026-01-01T00:00:00.000Z"}]})}
}

test_no_console_password_is_quiet if {
	count(iam.deny) == 0 with input as {"resource": user({})}
}

# --- access keys

# A key as the reader gives it: `last_used_date` absent when never used (null here).
key(created, last_used, status) := {"id": "AKIAEXAMPLE", "status": status, "created": created, "last_used_date": last_used} if last_used != null

key(created, null, status) := {"id": "AKIAEXAMPLE", "status": status, "created": created}

test_old_key_warns if {
	some w in iam.warn with input as {"resource": user({"access_keys": [key("2026-06-01T10:00:00.000Z", "2026-11-21", "Active")]}), "now": now}
	w.msg == "access key AKIAEXAMPLE of IAM user alice is 174 days old"
}

test_young_key_and_inactive_old_key_are_quiet if {
	count(iam.warn) == 0 with input as {"resource": user({"access_keys": [key("2026-10-01T10:00:00.000Z", "2026-11-21", "Active")]}), "now": now}
	count(iam.warn) == 0 with input as {"resource": user({"access_keys": [key("2020-01-01T10:00:00.000Z", "2020-02-01", "Inactive")]}), "now": now}
}

test_key_unused_since_last_use_warns if {
	msgs := {w.msg | some w in iam.warn} with input as {"resource": user({"access_keys": [key("2026-01-01T10:00:00.000Z", "2026-08-01", "Active")]}), "now": now}
	"active access key AKIAEXAMPLE of IAM user alice is unused: last used 113 days ago" in msgs
}

test_never_used_key_warns_from_creation if {
	some w in iam.warn with input as {"resource": user({"access_keys": [key("2026-08-01T10:00:00.000Z", null, "Active")]}), "now": now}
	w.msg == "active access key AKIAEXAMPLE of IAM user alice is unused: never used, created 113 days ago"
}

test_recently_used_key_is_quiet if {
	msgs := {w.msg | some w in iam.warn} with input as {"resource": user({"access_keys": [key("2026-01-01T10:00:00.000Z", "2026-11-01", "Active")]}), "now": now}
	every m in msgs { not contains(m, "unused") }
}

test_keys_without_now_are_quiet if {
	count(iam.warn) == 0 with input as {"resource": user({"access_keys": [key("2020-01-01T10:00:00.000Z", "2020-02-01", "Active")]})}
}

# --- "*" on "*"

admin := {"version": "2012-10-17", "statements": [{"effect": "Allow", "action": ["*"], "resource": ["*"]}]}

readonly := {"version": "2012-10-17", "statements": [{"effect": "Allow", "action": ["s3:GetObject"], "resource": ["*"]}, {"effect": "Deny", "action": ["*"], "resource": ["*"], "sid": "DenyAll"}]}

policy(doc) := res("iam.policy", "admin", {"default_version_id": "v1", "is_attachable": true, "path": "/", "document": doc})

test_managed_admin_policy_denied if {
	msgs := {d.msg | some d in iam.deny} with input as {"resource": policy(admin)}
	msgs == {"managed policy admin allows every action (\"*\") on every resource (\"*\")"}
}

test_scoped_managed_policy_is_quiet if {
	count(iam.deny) == 0 with input as {"resource": policy(readonly)}
}

test_inline_admin_policy_on_group_denied if {
	some d in iam.deny with input as {"resource": res("iam.group", "ops", {"members": [], "attached_policy_arns": [], "inline_policies": [{"name": "all", "document": admin}]})}
	d.msg == "inline policy all of iam.group ops allows every action (\"*\") on every resource (\"*\")"
}

test_inline_scoped_policy_on_user_is_quiet if {
	count(iam.deny) == 0 with input as {"resource": user({"inline_policies": [{"name": "read", "document": readonly}]})}
}

# --- trust policies

role(principal, condition) := res("iam.role", "deploy", {"path": "/", "attached_policy_arns": [], "inline_policies": [], "max_session_duration": 3600, "trust_policy": {"version": "2012-10-17", "statements": [object.union({"effect": "Allow", "action": ["sts:AssumeRole"], "principal": principal}, condition)]}})

test_role_assumable_by_anyone_denied if {
	some d in iam.deny with input as {"resource": role({"AWS": ["*"]}, {})}
	d.msg == "role deploy can be assumed by any principal (\"*\")"
}

test_role_assumable_by_anyone_with_condition_warns if {
	count(iam.deny) == 0 with input as {"resource": role({"AWS": ["*"]}, {"condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-123"]}}})}
	some w in iam.warn with input as {"resource": role({"AWS": ["*"]}, {"condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-123"]}}})}
	contains(w.msg, "meeting its conditions")
}

test_service_role_is_quiet if {
	count(iam.deny) == 0 with input as {"resource": role({"Service": ["ec2.amazonaws.com"]}, {})}
	count(iam.warn) == 0 with input as {"resource": role({"Service": ["ec2.amazonaws.com"]}, {})} with data.elava.config.accounts as ["123456789012"]
}

test_role_trusting_foreign_account_warns if {
	msgs := {w.msg | some w in iam.warn} with input as {"resource": role({"AWS": ["arn:aws:iam::999999999999:root", "123456789012"]}, {})}
		with data.elava.config.accounts as ["123456789012"]
	msgs == {"role deploy can be assumed from account 999999999999, which is not one of ours (arn:aws:iam::999999999999:root)"}
}

test_role_trusting_own_accounts_is_quiet if {
	count(iam.warn) == 0 with input as {"resource": role({"AWS": ["arn:aws:iam::123456789012:role/ci", "210987654321"]}, {})}
		with data.elava.config.accounts as ["123456789012", "210987654321"]
}

test_foreign_account_check_skipped_without_accounts if {
	count(iam.warn) == 0 with input as {"resource": role({"AWS": ["arn:aws:iam::999999999999:root"]}, {})}
}
