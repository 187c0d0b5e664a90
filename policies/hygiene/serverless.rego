# Hygiene of serverless and key-management resources: Lambda runtimes past deprecation, KMS keys
# without rotation, ECR repositories that do not scan on push, secrets that are never rotated.
package elava.hygiene

import rego.v1

# Lambda runtimes AWS has deprecated (no more security patches), from the "Deprecated runtimes"
# table of https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html as of 2025-12.
deprecated_runtimes := {
	"nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
	"nodejs14.x", "nodejs16.x", "nodejs18.x",
	"python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
	"java8",
	"go1.x",
	"ruby2.5", "ruby2.7",
	"dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6",
	# The Amazon Linux 1 custom runtime; provided.al2 and provided.al2023 are current.
	"provided",
}

# Runtimes deprecated on a date (phase 1), counted from `input.now`: the "Supported runtimes" table
# gives dotnet8, nodejs22.x, nodejs24.x, ruby3.4 and dotnet10; the table sets a language's
# runtime to its end of life as the language's own maintainers date it (Node.js on 30 April, Ruby
# on 31 March, Python on 30 June of the year), which dates ruby3.2, ruby3.3, nodejs20.x and
# python3.10. The Amazon Linux 2 runtimes (java8.al2, java11, java17, provided.al2) are left out
# until the table dates them.
deprecated_from := {
	"ruby3.2": "2026-03-31T00:00:00Z",
	"nodejs20.x": "2026-04-30T00:00:00Z",
	"python3.10": "2026-06-30T00:00:00Z",
	"dotnet8": "2026-11-10T00:00:00Z",
	"ruby3.3": "2027-03-31T00:00:00Z",
	"nodejs22.x": "2027-04-30T00:00:00Z",
	"ruby3.4": "2028-03-31T00:00:00Z",
	"nodejs24.x": "2028-04-30T00:00:00Z",
	"dotnet10": "2028-11-14T00:00:00Z",
}

deprecated(runtime) if runtime in deprecated_runtimes

deprecated(runtime) if {
	since := deprecated_from[runtime]
	time.parse_rfc3339_ns(input.now) >= time.parse_rfc3339_ns(since)
}

warn contains {
	"msg": concat("", ["lambda function ", r.native_id, " runs on ", r.attributes.runtime, ", a deprecated runtime"]),
	"suggestion": "move the function to a supported runtime version",
} if {
	r := input.resource
	r.type == "lambda.function"
	deprecated(r.attributes.runtime)
}

# The reader records rotation only where KMS can rotate: symmetric keys with KMS key material.
warn contains {
	"msg": concat("", ["KMS key ", r.native_id, " does not rotate its key material"]),
	"suggestion": "turn on automatic key rotation (EnableKeyRotation)",
} if {
	r := input.resource
	r.type == "kms.key"
	r.attributes.key_spec == "SYMMETRIC_DEFAULT"
	r.attributes.rotation_enabled == false
	r.attributes.key_state != "PendingDeletion"
}

warn contains {
	"msg": concat("", ["ECR repository ", r.native_id, " does not scan images on push"]),
	"suggestion": "turn on scan on push (or enhanced scanning for the registry)",
} if {
	r := input.resource
	r.type == "ecr.repository"
	r.attributes.scan_on_push == false
}

warn contains {
	"msg": concat("", ["secret ", r.native_id, " is not rotated"]),
	"suggestion": "configure rotation (a rotation Lambda or a managed rotation) for the secret",
} if {
	r := input.resource
	r.type == "secretsmanager.secret"
	r.attributes.rotation_enabled == false
	not r.attributes.deleted_date
}
