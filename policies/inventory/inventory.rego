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

warn contains {"msg": msg, "suggestion": sprintf("set %s=%s, or change the expectation", [k, v])} if {
	some e in covering
	some k, v in object.get(e, "tags", {})
	object.get(tags, k, null) != v
	msg := sprintf("%s drifted from the expected %s: tag %s is %v, expected %v", [r.id, e.name, k, object.get(tags, k, "absent"), v])
}

info contains {"msg": msg, "suggestion": "add it to the expected inventory, or tag it to match an entry"} if {
	count(for_type) > 0
	count(covering) == 0
	msg := sprintf("%s is unmanaged: no expected %s entry covers it", [r.id, r.type])
}
