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

scope(resources) := {"inventory": {"account": "123456789012", "region": "us-east-1", "type": "ec2.instance", "resources": resources}}

web(id) := {"id": id, "tags": {"role": "web"}}

test_missing_counts_what_is_short if {
	some w in inventory.warn with input as scope([web("a"), {"id": "b", "tags": {}}]) with data.elava.expected as expected
	w.msg == "missing 1 of 2 expected web (ec2.instance) in 123456789012/us-east-1"
	w.expectation == {"name": "web", "kind": "missing", "expected": 2, "found": 1}
}

test_unwanted_names_the_resources if {
	some w in inventory.warn with input as scope([web("c"), web("a"), web("b")]) with data.elava.expected as expected
	w.expectation.kind == "unwanted"
	w.expectation.resources == ["a", "b", "c"]
	startswith(w.msg, "1 unwanted web (ec2.instance)")
}

test_exact_count_is_quiet if {
	count(inventory.warn) == 0 with input as scope([web("a"), web("b")]) with data.elava.expected as expected
}

test_count_holds_only_where_named if {
	elsewhere := {"ec2.instance": [{"name": "web", "match": {"role": "web"}, "count": 2, "regions": ["eu-west-1"]}]}
	count(inventory.warn) == 0 with input as scope([]) with data.elava.expected as elsewhere
	some w in inventory.warn with input as scope([]) with data.elava.expected as expected
	w.expectation.kind == "missing"
}

test_no_count_no_check if {
	loose := {"ec2.instance": [{"name": "web", "match": {"role": "web"}}]}
	count(inventory.warn) == 0 with input as scope([]) with data.elava.expected as loose
}
