# Transitions: what a change did, not only where it landed. Input has `previous` and `change`;
# `history` (changes of this resource within change_detection.lookback_window, filled in by the
# policy service) lets a flapping resource be named.
package elava.transitions

import rego.v1

world := {"0.0.0.0/0", "::/0"}

deny contains {"msg": msg, "suggestion": "check who opened it and whether it must be open to everyone"} if {
	input.change.type in {"modified", "tag_drift", "status_changed", "cost_increase"}
	input.resource.type == "ec2.security_group"
	some d in input.change.diff
	startswith(d.path, "attributes.rules[")
	object.get(d, "before", null) == null
	d.after.direction == "ingress"
	d.after.source in world
	msg := sprintf("security group %s was opened to %s (%s %v-%v)", [input.resource.native_id, d.after.source, d.after.protocol, d.after.from_port, d.after.to_port])
}

encryption_fields := {"attributes.encrypted", "attributes.storage_encrypted", "attributes.encryption.enabled"}

deny contains {"msg": msg, "suggestion": "turn encryption back on; data written since is unencrypted"} if {
	some d in input.change.diff
	d.path in encryption_fields
	d.before == true
	d.after == false
	msg := concat("", ["encryption was switched off on ", input.resource.id])
}

default flap_threshold := 3

flap_threshold := data.elava.config.flap_threshold

warn contains {"msg": msg, "suggestion": "look for something fighting over it (two tools, a script, autoscaling)"} if {
	input.change
	n := count([c | some c in object.get(input, "history", []); c.type in {"status_changed", "modified", "tag_drift"}])
	n >= flap_threshold
	msg := sprintf("%s changed %d times within the lookback window", [input.resource.id, n])
}
