# Lifecycle and protection: blessed resources changed or gone, tags removed from managed
# resources, production resources named like test or dev ones.
package elava.lifecycle

import rego.v1

r := input.resource

tags := object.get(r, "tags", {})

blessed(res) if object.get(res, "tags", {})["elava:blessed"] == "true"

deny contains {"msg": msg, "suggestion": "find out who changed it; blessed resources change only by agreement"} if {
	input.change.type in {"modified", "tag_drift", "status_changed", "cost_increase"}
	blessed(r)
	msg := concat("", ["blessed resource ", r.id, " changed (", input.change.type, ")"])
}

deny contains {"msg": msg, "suggestion": "restore it from backup or snapshot, and find out who removed it"} if {
	input.change.type == "disappeared"
	blessed(input.previous)
	msg := concat("", ["blessed resource ", input.previous.id, " is gone"])
}

warn contains {"msg": msg, "suggestion": concat("", ["put the tag ", key, " back"])} if {
	input.change
	tags["elava:managed"] == "true"
	some d in input.change.diff
	startswith(d.path, "tags.")
	object.get(d, "after", null) == null
	object.get(d, "before", null) != null
	key := substring(d.path, 5, -1)
	msg := concat("", ["tag ", key, " was removed from managed resource ", r.id])
}

# Words of the name split on - _ . and space; no regex, which WebAssembly would compile per call.
name_words contains w if {
	some w in split(replace(replace(replace(lower(object.get(r, "name", "")), "_", "-"), ".", "-"), " ", "-"), "-")
}

warn contains {"msg": msg, "suggestion": "rename it, or correct its environment tag"} if {
	tags.environment == "production"
	some w in {"test", "dev"}
	w in name_words

	# json.marshal quotes the name as %q would: the WebAssembly runtime's sprintf has no %q (it threw).
	msg := concat("", ["production resource ", r.id, " is named ", json.marshal(r.name)])
}
