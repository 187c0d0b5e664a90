package elava.posture_test

import rego.v1

import data.elava.posture

res(type, attrs) := {"id": sprintf("aws:123456789012:us-east-1:%s:x-1", [type]), "type": type, "native_id": "x-1", "tags": {}, "attributes": attrs}

trail(logging, multi) := res("cloudtrail.trail", {"arn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/x-1", "home_region": "us-east-1", "is_logging": logging, "is_multi_region_trail": multi})

dist(cert) := res("cloudfront.distribution", {"arn": "arn:aws:cloudfront::123456789012:distribution/x-1", "enabled": true, "viewer_certificate": cert})

test_table_without_pitr_warns if {
	some w in posture.warn with input as {"resource": res("dynamodb.table", {"point_in_time_recovery": {"enabled": false}})}
	w.msg == "DynamoDB table x-1 has no point-in-time recovery"
}

test_table_with_pitr_is_quiet if {
	count(posture.warn) == 0 with input as {"resource": res("dynamodb.table", {"point_in_time_recovery": {"enabled": true, "recovery_period_days": 35}})}
}

test_trail_not_logging_denied if {
	some d in posture.deny with input as {"resource": trail(false, true)}
	d.msg == "CloudTrail trail x-1 is not logging"
}

test_logging_trail_is_quiet if {
	count(posture.deny) == 0 with input as {"resource": trail(true, true)}
	count(posture.warn) == 0 with input as {"resource": trail(true, true)}
}

test_single_region_trail_warns if {
	some w in posture.warn with input as {"resource": trail(true, false)}
	w.msg == "CloudTrail trail x-1 records only its home region us-east-1"
	count(posture.deny) == 0 with input as {"resource": trail(true, false)}
}

test_default_certificate_warns if {
	some w in posture.warn with input as {"resource": dist({"cloudfront_default_certificate": true, "minimum_protocol_version": "TLSv1"})}
	contains(w.msg, "the default CloudFront certificate")
}

test_old_security_policy_warns if {
	some w in posture.warn with input as {"resource": dist({"cloudfront_default_certificate": false, "minimum_protocol_version": "TLSv1.1_2016", "ssl_support_method": "sni-only"})}
	contains(w.msg, "minimum protocol TLSv1.1_2016")
}

test_tls12_custom_certificate_is_quiet if {
	count(posture.warn) == 0 with input as {"resource": dist({"cloudfront_default_certificate": false, "minimum_protocol_version": "TLSv1.2_2021", "ssl_support_method": "sni-only"})}
}

test_other_types_are_quiet if {
	count(posture.warn) == 0 with input as {"resource": res("ec2.vpc", {"is_logging": false, "point_in_time_recovery": {"enabled": false}})}
	count(posture.deny) == 0 with input as {"resource": res("ec2.vpc", {"is_logging": false})}
}
