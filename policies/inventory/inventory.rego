# The desired inventory: an optional `expected` file (policies.expected, passed as
# data.elava.expected) says, per resource type, which resources should exist (selected by tags) and
# which tags they must carry. Findings only: Elava never creates or deletes to match it.
package elava.inventory

import rego.v1

r := input.resource

tags := object.get(r, "tags", {})

default expectations := {}

expectations := data.elava.expected

for_type := object.get(expectations, r.type, [])

covering contains e if {
	some e in for_type
	every k, v in object.get(e, "match", {}) {
		tags[k] == v
	}
}

warn contains {"msg": msg, "suggestion": concat("", ["set ", k, "=", v, ", or change the expectation"])} if {
	some e in covering
	some k, v in object.get(e, "tags", {})
	object.get(tags, k, null) != v
	msg := sprintf("%s drifted from the expected %s: tag %s is %v, expected %v", [r.id, e.name, k, object.get(tags, k, "absent"), v])
}

info contains {"msg": msg, "suggestion": "add it to the expected inventory, or tag it to match an entry"} if {
	count(for_type) > 0
	count(covering) == 0
	msg := concat("", [r.id, " is unmanaged: no expected ", r.type, " entry covers it"])
}

# Whole-scope input (after a clean scan of one account/region/type): `input.inventory` holds the
# scope and every live resource's id and tags, so counts can be checked. An expectation with
# `count` holds in every account and region it names (`accounts`, `regions`), or in all of them.
inv := input.inventory

applies(e) if {
	object.get(e, "count", null) != null
	inv.account in object.get(e, "accounts", [inv.account])
	inv.region in object.get(e, "regions", [inv.region])
}

matched(e) := [x.id |
	some x in inv.resources
	every k, v in object.get(e, "match", {}) {
		object.get(x.tags, k, null) == v
	}
]

warn contains finding if {
	some e in object.get(expectations, inv.type, [])
	applies(e)
	n := count(matched(e))
	n < e.count
	finding := {
		"msg": sprintf("missing %d of %d expected %s (%s) in %s/%s", [e.count - n, e.count, e.name, inv.type, inv.account, inv.region]),
		"suggestion": "find out why they are gone; Elava never creates them",
		"expectation": {"name": e.name, "kind": "missing", "expected": e.count, "found": n},
	}
}

warn contains finding if {
	some e in object.get(expectations, inv.type, [])
	applies(e)
	ids := matched(e)
	count(ids) > e.count
	finding := {
		"msg": sprintf("%d unwanted %s (%s) in %s/%s: %d found where %d are expected", [count(ids) - e.count, e.name, inv.type, inv.account, inv.region, count(ids), e.count]),
		"suggestion": "remove the extra ones or raise the expected count; Elava never deletes them",
		"expectation": {"name": e.name, "kind": "unwanted", "expected": e.count, "found": count(ids), "resources": sort(ids)},
	}
}
