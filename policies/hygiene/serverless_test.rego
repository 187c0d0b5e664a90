package elava.hygiene.serverless_test

import rego.v1

import data.elava.hygiene

resource(type, attrs) := {"id": sprintf("aws:123456789012:us-east-1:%s:x-1", [type]), "type": type, "native_id": "x-1", "tags": {}, "attributes": attrs}

test_deprecated_runtime_warns if {
	msgs := {w.msg | some w in hygiene.warn} with input as {"resource": resource("lambda.function", {"runtime": "python3.8"})}
	msgs == {"lambda function x-1 runs on python3.8, a deprecated runtime"}
}

test_each_family_listed if {
	every rt in ["nodejs16.x", "java8", "go1.x", "ruby2.7", "dotnet6", "provided"] {
		count(hygiene.warn) == 1 with input as {"resource": resource("lambda.function", {"runtime": rt})}
	}
}

lambda_at(runtime, now) := {"resource": resource("lambda.function", {"runtime": runtime}), "now": now}

test_dated_deprecation_counts_from_its_day if {
	count(hygiene.warn) == 0 with input as lambda_at("python3.10", "2026-06-29T23:59:59Z")
	msgs := {w.msg | some w in hygiene.warn} with input as lambda_at("python3.10", "2026-06-30T00:00:00Z")
	msgs == {"lambda function x-1 runs on python3.10, a deprecated runtime"}
	count(hygiene.warn) == 1 with input as lambda_at("nodejs20.x", "2026-12-03T00:00:00Z")
	count(hygiene.warn) == 0 with input as lambda_at("nodejs22.x", "2026-12-03T00:00:00Z")
	count(hygiene.warn) == 1 with input as lambda_at("nodejs22.x", "2027-05-01T00:00:00Z")
}

test_dated_runtime_quiet_without_a_time if {
	count(hygiene.warn) == 0 with input as {"resource": resource("lambda.function", {"runtime": "dotnet8"})}
}

test_current_runtime_and_container_image_quiet if {
	count(hygiene.warn) == 0 with input as {"resource": resource("lambda.function", {"runtime": "python3.12"})}
	count(hygiene.warn) == 0 with input as {"resource": resource("lambda.function", {"runtime": "provided.al2023"})}
	count(hygiene.warn) == 0 with input as {"resource": resource("lambda.function", {"package_type": "Image"})}
}

key(attrs) := resource("kms.key", object.union({"key_spec": "SYMMETRIC_DEFAULT", "key_state": "Enabled"}, attrs))

test_kms_rotation_off_warns if {
	some w in hygiene.warn with input as {"resource": key({"rotation_enabled": false})}
	contains(w.msg, "does not rotate")
}

test_kms_rotation_quiet_when_on_asymmetric_or_going if {
	count(hygiene.warn) == 0 with input as {"resource": key({"rotation_enabled": true})}
	count(hygiene.warn) == 0 with input as {"resource": key({"key_spec": "RSA_2048"})}
	count(hygiene.warn) == 0 with input as {"resource": key({"rotation_enabled": false, "key_state": "PendingDeletion"})}
}

test_ecr_scan_on_push if {
	some w in hygiene.warn with input as {"resource": resource("ecr.repository", {"scan_on_push": false})}
	contains(w.msg, "does not scan images on push")
	count(hygiene.warn) == 0 with input as {"resource": resource("ecr.repository", {"scan_on_push": true})}
}

test_secret_rotation if {
	some w in hygiene.warn with input as {"resource": resource("secretsmanager.secret", {"rotation_enabled": false})}
	contains(w.msg, "is not rotated")
	count(hygiene.warn) == 0 with input as {"resource": resource("secretsmanager.secret", {"rotation_enabled": true})}
	count(hygiene.warn) == 0 with input as {"resource": resource("secretsmanager.secret", {"rotation_enabled": false, "deleted_date": "2026-01-01T00:00:00.000Z"})}
}
