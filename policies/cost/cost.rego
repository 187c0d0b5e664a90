# Cost: storage and addresses paid for and unused, instances stopped for long, NAT gateways with
# nothing private behind them, large instances nobody owns.
package elava.cost

import rego.v1

r := input.resource

a := object.get(r, "attributes", {})

tags := object.get(r, "tags", {})

# How long a stopped instance may stay stopped (data.elava.config.stopped_days, 14 by default).
default stopped_days := 14

stopped_days := data.elava.config.stopped_days

warn contains {"msg": msg, "suggestion": "snapshot it and delete it, or attach it"} if {
	r.type == "ec2.volume"
	a.state == "available"
	count(object.get(a, "attached_instance_ids", [])) == 0
	msg := concat("", ["volume ", r.native_id, " (", format_int(a.size_gib, 10), " GiB) is attached to nothing"])
}

warn contains {"msg": msg, "suggestion": "release the address, or associate it"} if {
	r.type == "ec2.eip"
	not a.association_id
	msg := concat("", ["elastic IP ", a.public_ip, " is not associated (billed while idle)"])
}

# The stop time comes from the transition reason, e.g. "User initiated (2026-11-01 10:00:00 GMT)": the
# first "(YYYY-MM-DD hh:mm:ss GMT)" (or UTC) in it. `now` comes from the input (RFC 3339), so evaluation
# is the same everywhere. Read by position, not with a regular expression: the WebAssembly runtime
# compiles a pattern again on every evaluation (about 170 µs for each stopped instance, where the
# whole library takes about 15 µs for a resource).
stamp_of(piece) := substring(piece, 0, 19) if {
	substring(piece, 23, 1) == ")"
	parts := split(substring(piece, 0, 23), " ")
	count(parts) == 3
	parts[2] in {"GMT", "UTC"}
	digits_between(parts[0], "-", [4, 2, 2])
	digits_between(parts[1], ":", [2, 2, 2])
}

digits_between(text, sep, widths) if {
	fields := split(text, sep)
	count(fields) == count(widths)
	every k, f in fields {
		count(f) == widths[k]
		trim(f, "0123456789") == ""
	}
}

stopped_at_ns := time.parse_rfc3339_ns(concat("", [replace(stamp_of(pieces[first]), " ", "T"), "Z"])) if {
	reason := a.state_transition_reason
	is_string(reason)
	pieces := split(reason, "(")
	first := min({k | some k, piece in pieces; k > 0; stamp_of(piece)})
}

warn contains {"msg": msg, "suggestion": "terminate it (snapshot its volumes first) or start using it"} if {
	r.type == "ec2.instance"
	a.state == "stopped"
	days := (time.parse_rfc3339_ns(input.now) - stopped_at_ns) / (((24 * 60) * 60) * 1000000000)
	days > stopped_days
	msg := concat("", ["instance ", r.native_id, " has been stopped for ", format_int(days, 10), " days"])
}

# VPCs with private subnets: the policy service passes them as data.elava.estate.private_subnet_vpc_ids.
default private_vpcs := []

private_vpcs := data.elava.estate.private_subnet_vpc_ids

info contains {"msg": msg, "suggestion": "delete the NAT gateway if nothing private needs the internet"} if {
	r.type == "ec2.nat_gateway"
	a.state == "available"
	not a.vpc_id in private_vpcs
	msg := concat("", ["NAT gateway ", r.native_id, " serves VPC ", a.vpc_id, ", which has no private subnets"])
}

large_sizes := {"4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal"}

warn contains {"msg": msg, "suggestion": "tag it elava:owner=<team> so someone answers for its cost"} if {
	r.type in {"ec2.instance", "rds.instance"}
	size := object.get(a, "instance_type", object.get(a, "instance_class", ""))
	parts := split(size, ".")
	parts[count(parts) - 1] in large_sizes
	not tags["elava:owner"]
	msg := concat("", ["large ", r.type, " ", r.native_id, " (", size, ") has no elava:owner"])
}
