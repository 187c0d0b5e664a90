package elava.cost_test

import rego.v1

import data.elava.cost

res(type, attrs, tags) := {"id": sprintf("aws:123456789012:us-east-1:%s:x-1", [type]), "type": type, "native_id": "x-1", "tags": tags, "attributes": attrs}

now := "2026-11-22T12:00:00Z"

test_unattached_volume_warns if {
	some w in cost.warn with input as {"resource": res("ec2.volume", {"state": "available", "size_gib": 100, "attached_instance_ids": []}, {})}
	w.msg == "volume x-1 (100 GiB) is attached to nothing"
	count(cost.warn) == 0 with input as {"resource": res("ec2.volume", {"state": "in-use", "size_gib": 100, "attached_instance_ids": ["i-1"]}, {})}
}

test_unassociated_eip_warns if {
	some w in cost.warn with input as {"resource": res("ec2.eip", {"public_ip": "1.2.3.4", "allocation_id": "eipalloc-1", "domain": "vpc"}, {})}
	contains(w.msg, "1.2.3.4 is not associated")
	count(cost.warn) == 0 with input as {"resource": res("ec2.eip", {"public_ip": "1.2.3.4", "association_id": "a-1"}, {})}
}

stopped(reason) := res("ec2.instance", {"instance_type": "t3.micro", "state": "stopped", "state_transition_reason": reason}, {})

test_long_stopped_instance_warns if {
	some w in cost.warn with input as {"resource": stopped("User initiated (2026-10-01 10:00:00 GMT)"), "now": now}
	w.msg == "instance x-1 has been stopped for 52 days"
}

test_recently_stopped_and_configured_threshold if {
	count(cost.warn) == 0 with input as {"resource": stopped("User initiated (2026-11-20 10:00:00 GMT)"), "now": now}
	count(cost.warn) == 1 with input as {"resource": stopped("User initiated (2026-11-20 10:00:00 GMT)"), "now": now}
		with data.elava.config.stopped_days as 1
}

test_nat_without_private_subnets_is_info if {
	some i in cost.info with input as {"resource": res("ec2.nat_gateway", {"state": "available", "vpc_id": "vpc-1"}, {})}
	contains(i.msg, "no private subnets")
	count(cost.info) == 0 with input as {"resource": res("ec2.nat_gateway", {"state": "available", "vpc_id": "vpc-1"}, {})}
		with data.elava.estate.private_subnet_vpc_ids as ["vpc-1"]
}

test_large_instance_without_owner_warns if {
	some w in cost.warn with input as {"resource": res("ec2.instance", {"instance_type": "m6i.8xlarge", "state": "running"}, {})}
	contains(w.msg, "large ec2.instance")
	count(cost.warn) == 0 with input as {"resource": res("ec2.instance", {"instance_type": "m6i.8xlarge", "state": "running"}, {"elava:owner": "data"})}
	some d in cost.warn with input as {"resource": res("rds.instance", {"instance_class": "db.r6g.16xlarge"}, {})}
	contains(d.msg, "db.r6g.16xlarge")
}

test_stopped_time_read_from_the_first_well_formed_stamp if {
	some w in cost.warn with input as {"resource": stopped("Server (odd) initiated (2026-10-01 10:00:00 UTC) (2026-11-21 10:00:00 GMT)"), "now": now}
	w.msg == "instance x-1 has been stopped for 52 days"
	count(cost.warn) == 0 with input as {"resource": stopped("User initiated (2026-10-01 10:00:00 CET)"), "now": now}
	count(cost.warn) == 0 with input as {"resource": stopped("User initiated (2026-1O-01 10:00:00 GMT)"), "now": now}
	count(cost.warn) == 0 with input as {"resource": stopped("User initiated"), "now": now}
}
