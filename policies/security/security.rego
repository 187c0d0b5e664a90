# Security: public buckets, security groups open to the world on admin ports, unencrypted storage,
# publicly reachable databases, workloads in a default VPC.
package elava.security

import rego.v1

r := input.resource

a := object.get(r, "attributes", {})

world := {"0.0.0.0/0", "::/0"}

admin_ports := {22, 3389}

# --- S3

block := object.get(a, "public_access_block", {})

fully_blocked if {
	block.configured
	block.block_public_acls
	block.ignore_public_acls
	block.block_public_policy
	block.restrict_public_buckets
}

deny contains {"msg": msg, "suggestion": "turn on all four S3 Block Public Access settings"} if {
	r.type == "s3.bucket"
	not fully_blocked
	public_by_acl_or_policy
	msg := concat("", ["bucket ", r.native_id, " is public (ACL or bucket policy)"])
}

public_by_acl_or_policy if a.acl_public

public_by_acl_or_policy if a.policy.is_public

warn contains {"msg": msg, "suggestion": "turn on S3 Block Public Access for the bucket"} if {
	r.type == "s3.bucket"
	not block.configured
	not public_by_acl_or_policy
	msg := concat("", ["bucket ", r.native_id, " has no public access block"])
}

# --- security groups

covers_admin_port(rule) := port if {
	rule.protocol == "-1"
	port := "all ports"
}

covers_admin_port(rule) := concat("", ["port ", format_int(p, 10)]) if {
	rule.protocol != "-1"
	some p in admin_ports
	rule.from_port <= p
	p <= rule.to_port
}

deny contains {"msg": msg, "suggestion": "limit the rule to known addresses, or reach hosts through SSM"} if {
	r.type == "ec2.security_group"
	some rule in a.rules
	rule.direction == "ingress"
	rule.source in world
	what := covers_admin_port(rule)
	msg := concat("", ["security group ", r.native_id, " is open to ", rule.source, " on ", what])
}

# --- encryption

unencrypted := {
	"ec2.volume": "encrypted",
	"ec2.snapshot": "encrypted",
	"rds.instance": "storage_encrypted",
	"rds.cluster": "storage_encrypted",
	"rds.snapshot": "encrypted",
}

warn contains {"msg": msg, "suggestion": "re-create it encrypted (copy with KMS encryption on)"} if {
	field := unencrypted[r.type]
	a[field] == false
	msg := concat("", [r.type, " ", r.native_id, " is not encrypted"])
}

# --- databases

deny contains {"msg": msg, "suggestion": "set PubliclyAccessible to false and reach it from inside the VPC"} if {
	r.type == "rds.instance"
	a.publicly_accessible
	msg := concat("", ["database ", r.native_id, " is publicly accessible"])
}

# --- default VPC: the policy service passes the ids of default VPCs as data.elava.estate.default_vpc_ids

default default_vpcs := []

default_vpcs := data.elava.estate.default_vpc_ids

warn contains {"msg": msg, "suggestion": "move workloads to a purpose-built VPC"} if {
	r.type in {"ec2.instance", "rds.instance", "ec2.nat_gateway"}
	a.vpc_id in default_vpcs
	msg := concat("", [r.type, " ", r.native_id, " runs in the default VPC ", a.vpc_id])
}
