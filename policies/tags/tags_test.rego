package elava.tags_test

import rego.v1

import data.elava.tags

r(t) := {"id": "aws:123456789012:us-east-1:ec2.instance:i-1", "type": "ec2.instance", "tags": t}

test_managed_without_owner_warns if {
	some w in tags.warn with input as {"resource": r({"elava:managed": "true", "environment": "dev"})}
	contains(w.msg, "no elava:owner tag")
}

test_managed_with_owner_is_quiet if {
	count(tags.warn) == 0 with input as {"resource": r({"elava:managed": "true", "elava:owner": "sre", "environment": "dev"})}
	count(tags.info) == 0 with input as {"resource": r({"elava:managed": "true", "elava:owner": "sre", "environment": "dev"})}
}

test_unmanaged_without_owner_is_not_a_warning if {
	count(tags.warn) == 0 with input as {"resource": r({"Name": "x"})}
}

test_required_tags_from_data if {
	msgs := {w.msg | some w in tags.warn} with input as {"resource": r({"team": "a"})}
		with data.elava.config.required_tags as ["team", "cost-center"]
	msgs == {"aws:123456789012:us-east-1:ec2.instance:i-1 lacks the required tag cost-center"}
}

test_untagged_is_info if {
	some i in tags.info with input as {"resource": r({})}
	contains(i.msg, "no tags at all")
}

test_missing_environment_on_managed_is_info if {
	some i in tags.info with input as {"resource": r({"elava:managed": "true", "elava:owner": "a"})}
	contains(i.msg, "no environment tag")
}

group := {"id": "aws:123456789012:global:iam.group:admins", "type": "iam.group", "tags": {}}

test_untaggable_type_is_never_asked_for_tags if {
	count(tags.warn) == 0 with input as {"resource": group}
		with data.elava.config.required_tags as ["team"]
		with data.elava.config.untaggable_types as ["iam.group"]
	count(tags.info) == 0 with input as {"resource": group}
		with data.elava.config.untaggable_types as ["iam.group"]
}

test_taggable_global_type_is_asked_for_tags if {
	some w in tags.warn with input as {"resource": object.union(group, {"type": "iam.role"})}
		with data.elava.config.required_tags as ["team"]
		with data.elava.config.untaggable_types as ["iam.group"]
	contains(w.msg, "lacks the required tag team")
}
