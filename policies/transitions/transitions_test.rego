package elava.transitions_test

import rego.v1

import data.elava.transitions

sg := {"id": "aws:123456789012:us-east-1:ec2.security_group:sg-1", "type": "ec2.security_group", "native_id": "sg-1"}

rule(src) := {"direction": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432, "source": src}

test_sg_widened_denied if {
	msgs := {d.msg | some d in transitions.deny} with input as {"resource": sg, "change": {"type": "modified", "diff": [{"path": "attributes.rules[x]", "after": rule("0.0.0.0/0")}]}}
	msgs == {"security group sg-1 was opened to 0.0.0.0/0 (tcp 5432-5432)"}
}

test_internal_rule_added_is_quiet if {
	count(transitions.deny) == 0 with input as {"resource": sg, "change": {"type": "modified", "diff": [{"path": "attributes.rules[x]", "after": rule("10.0.0.0/8")}]}}
}

test_encryption_switched_off_denied if {
	some d in transitions.deny with input as {"resource": {"id": "b"}, "change": {"type": "modified", "diff": [{"path": "attributes.encryption.enabled", "before": true, "after": false}]}}
	contains(d.msg, "switched off")
}

test_flapping_warns_at_threshold if {
	h := [{"type": "status_changed"}, {"type": "status_changed"}, {"type": "appeared"}]
	count(transitions.warn) == 0 with input as {"resource": {"id": "i"}, "change": {"type": "status_changed", "diff": []}, "history": h}
	some w in transitions.warn with input as {"resource": {"id": "i"}, "change": {"type": "status_changed", "diff": []}, "history": h}
		with data.elava.config.flap_threshold as 2
	contains(w.msg, "changed 2 times")
}
