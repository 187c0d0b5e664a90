package elava.security_test

import rego.v1

import data.elava.security

res(type, attrs) := {"id": sprintf("aws:123456789012:us-east-1:%s:x-1", [type]), "type": type, "native_id": "x-1", "tags": {}, "attributes": attrs}

blocked := {"configured": true, "block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true}

test_public_bucket_denied if {
	some d in security.deny with input as {"resource": res("s3.bucket", {"acl_public": true, "policy": {"is_public": false}, "public_access_block": {"configured": false}})}
	contains(d.msg, "is public")
}

test_public_policy_blocked_is_quiet if {
	count(security.deny) == 0 with input as {"resource": res("s3.bucket", {"acl_public": false, "policy": {"is_public": true}, "public_access_block": blocked})}
}

test_bucket_without_block_warns if {
	some w in security.warn with input as {"resource": res("s3.bucket", {"acl_public": false, "policy": {"is_public": false}, "public_access_block": {"configured": false}})}
	contains(w.msg, "no public access block")
}

rule(proto, from, to, src) := {"direction": "ingress", "protocol": proto, "from_port": from, "to_port": to, "source": src}

test_ssh_open_to_world_denied if {
	msgs := {d.msg | some d in security.deny} with input as {"resource": res("ec2.security_group", {"rules": [rule("tcp", 22, 22, "0.0.0.0/0")]})}
	msgs == {"security group x-1 is open to 0.0.0.0/0 on port 22"}
}

test_rdp_in_a_range_on_ipv6_denied if {
	some d in security.deny with input as {"resource": res("ec2.security_group", {"rules": [rule("tcp", 3000, 4000, "::/0")]})}
	contains(d.msg, "port 3389")
}

test_all_traffic_denied if {
	some d in security.deny with input as {"resource": res("ec2.security_group", {"rules": [rule("-1", null, null, "0.0.0.0/0")]})}
	contains(d.msg, "all ports")
}

test_https_open_and_ssh_internal_are_quiet if {
	count(security.deny) == 0 with input as {"resource": res("ec2.security_group", {"rules": [rule("tcp", 443, 443, "0.0.0.0/0"), rule("tcp", 22, 22, "10.0.0.0/8"), {"direction": "egress", "protocol": "-1", "from_port": null, "to_port": null, "source": "0.0.0.0/0"}]})}
}

test_unencrypted_volume_and_db_warn if {
	some w in security.warn with input as {"resource": res("ec2.volume", {"encrypted": false})}
	contains(w.msg, "not encrypted")
	some v in security.warn with input as {"resource": res("rds.instance", {"storage_encrypted": false, "publicly_accessible": false})}
	contains(v.msg, "not encrypted")
	count(security.warn) == 0 with input as {"resource": res("ec2.snapshot", {"encrypted": true})}
}

test_public_database_denied if {
	some d in security.deny with input as {"resource": res("rds.instance", {"storage_encrypted": true, "publicly_accessible": true})}
	contains(d.msg, "publicly accessible")
}

test_default_vpc_from_data if {
	some w in security.warn with input as {"resource": res("ec2.instance", {"vpc_id": "vpc-def"})}
		with data.elava.estate.default_vpc_ids as ["vpc-def"]
	contains(w.msg, "default VPC")
	count(security.warn) == 0 with input as {"resource": res("ec2.instance", {"vpc_id": "vpc-other"})}
		with data.elava.estate.default_vpc_ids as ["vpc-def"]
}
