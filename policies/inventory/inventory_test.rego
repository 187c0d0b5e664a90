package elava.inventory_test

import rego.v1

import data.elava.inventory

expected := {"ec2.instance": [{"name": "web", "match": {"role": "web"}, "count": 2, "tags": {"environment": "production", "elava:owner": "team-web"}}]}

inst(tags) := {"id": "aws:123456789012:us-east-1:ec2.instance:i-1", "type": "ec2.instance", "tags": tags}

test_matching_and_complete_is_quiet if {
	count(inventory.warn) == 0 with input as {"resource": inst({"role": "web", "environment": "production", "elava:owner": "team-web"})}
		with data.elava.expected as expected
	count(inventory.info) == 0 with input as {"resource": inst({"role": "web", "environment": "production", "elava:owner": "team-web"})}
		with data.elava.expected as expected
}

test_drifted_names_the_tag if {
	msgs := {w.msg | some w in inventory.warn} with input as {"resource": inst({"role": "web", "environment": "staging"})}
		with data.elava.expected as expected
	msgs == {
		"aws:123456789012:us-east-1:ec2.instance:i-1 drifted from the expected web: tag environment is staging, expected production",
		"aws:123456789012:us-east-1:ec2.instance:i-1 drifted from the expected web: tag elava:owner is absent, expected team-web",
	}
}

test_unmanaged_when_nothing_covers_it if {
	some i in inventory.info with input as {"resource": inst({"role": "batch"})} with data.elava.expected as expected
	contains(i.msg, "is unmanaged")
}

test_quiet_without_expectations if {
	count(inventory.info) == 0 with input as {"resource": inst({})}
	count(inventory.info) == 0 with input as {"resource": {"id": "b", "type": "s3.bucket", "tags": {}}}
		with data.elava.expected as expected
}
