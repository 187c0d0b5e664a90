package elava.lifecycle_test

import rego.v1

import data.elava.lifecycle

res(tags, name) := {"id": "aws:123456789012:us-east-1:rds.instance:db-1", "type": "rds.instance", "name": name, "tags": tags}

test_blessed_modified_denied if {
	some d in lifecycle.deny with input as {"resource": res({"elava:blessed": "true"}, "db"), "change": {"type": "modified", "diff": []}}
	contains(d.msg, "blessed resource")
}

test_blessed_gone_denied if {
	some d in lifecycle.deny with input as {"resource": null, "previous": res({"elava:blessed": "true"}, "db"), "change": {"type": "disappeared", "diff": []}}
	contains(d.msg, "is gone")
}

test_plain_resource_changes_quietly if {
	count(lifecycle.deny) == 0 with input as {"resource": res({}, "db"), "change": {"type": "modified", "diff": []}}
	count(lifecycle.deny) == 0 with input as {"resource": res({"elava:blessed": "true"}, "db")}
}

test_tag_removed_from_managed_warns if {
	msgs := {w.msg | some w in lifecycle.warn} with input as {"resource": res({"elava:managed": "true"}, "db"), "change": {"type": "tag_drift", "diff": [{"path": "tags.owner", "before": "a"}, {"path": "tags.env", "before": "a", "after": "b"}]}}
	msgs == {"tag owner was removed from managed resource aws:123456789012:us-east-1:rds.instance:db-1"}
}

test_production_named_test_warns if {
	some w in lifecycle.warn with input as {"resource": res({"environment": "production"}, "orders-test-db")}
	contains(w.msg, "orders-test-db")
	count(lifecycle.warn) == 0 with input as {"resource": res({"environment": "production"}, "latest-devices")}
}
