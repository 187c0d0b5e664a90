# Posture of data and edge services: DynamoDB backups, the CloudTrail audit trail, the TLS that
# CloudFront offers its viewers.
package elava.posture

import rego.v1

r := input.resource

a := object.get(r, "attributes", {})

# --- DynamoDB

warn contains {"msg": msg, "suggestion": "turn on point-in-time recovery (UpdateContinuousBackups)"} if {
	r.type == "dynamodb.table"
	a.point_in_time_recovery.enabled == false
	msg := concat("", ["DynamoDB table ", r.native_id, " has no point-in-time recovery"])
}

# --- CloudTrail

deny contains {"msg": msg, "suggestion": "start logging (StartLogging), or delete the trail if it is not wanted"} if {
	r.type == "cloudtrail.trail"
	a.is_logging == false
	msg := concat("", ["CloudTrail trail ", r.native_id, " is not logging"])
}

warn contains {"msg": msg, "suggestion": "make it a multi-region trail, so that activity in every region is recorded"} if {
	r.type == "cloudtrail.trail"
	a.is_multi_region_trail == false
	msg := concat("", ["CloudTrail trail ", r.native_id, " records only its home region ", a.home_region])
}

# --- CloudFront: security policies that still allow TLS below 1.2

old_tls := {"SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016"}

cert := object.get(a, "viewer_certificate", {})

# The default *.cloudfront.net certificate allows TLSv1 whatever the minimum says.
weak_tls := "the default CloudFront certificate (TLSv1 allowed)" if {
	cert.cloudfront_default_certificate == true
}

# No minimum given is AWS's default for a custom certificate: TLSv1.
weak_tls := concat("", ["minimum protocol ", version]) if {
	cert.cloudfront_default_certificate == false
	version := object.get(cert, "minimum_protocol_version", "TLSv1")
	version in old_tls
}

warn contains {"msg": msg, "suggestion": "use a custom certificate with security policy TLSv1.2_2021 or newer"} if {
	r.type == "cloudfront.distribution"
	msg := concat("", ["CloudFront distribution ", r.native_id, " allows TLS below 1.2: ", weak_tls])
}
