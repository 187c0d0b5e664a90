# Exposure: resource policies (SQS, SNS, KMS, ECR, Lambda) that let anyone in, and Lambda function
# URLs anyone can call. Policies are read in the readers' normalised shape: `attributes.policy.statements`,
# each with `effect`, `principal` as type → sorted ids (a bare "*" reads as {"AWS": ["*"]}), and
# `condition` only when the statement has one.
package elava.exposure

import rego.v1

resource_policy_types := {"sqs.queue", "sns.topic", "kms.key", "ecr.repository", "lambda.function"}

# An Allow to every principal with nothing to narrow it: any account, or anyone at all, may use it.
open_to_everyone(s) if {
	s.effect == "Allow"
	"*" in object.get(s, ["principal", "AWS"], [])
	count(object.get(s, "condition", {})) == 0
}

statement_name(s) := sprintf(" (statement %s)", [s.sid]) if s.sid

statement_name(s) := "" if not s.sid

deny contains {
	"msg": msg,
	"suggestion": "name the principals, or add a condition (aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID)",
} if {
	r := input.resource
	r.type in resource_policy_types
	some s in object.get(r.attributes, ["policy", "statements"], [])
	open_to_everyone(s)
	msg := concat("", [r.type, " ", r.native_id, " has a resource policy that allows everyone", statement_name(s)])
}

deny contains {
	"msg": concat("", ["lambda function ", r.native_id, " has a function URL anyone can call (auth type NONE)"]),
	"suggestion": "set the function URL's auth type to AWS_IAM, or put an authenticating front (API Gateway, CloudFront) before it",
} if {
	r := input.resource
	r.type == "lambda.function"
	r.attributes.function_url.auth_type == "NONE"
}
