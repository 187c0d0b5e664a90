package elava.exposure.resource_policy_test

import rego.v1

import data.elava.exposure

resource(type, attrs) := {"id": sprintf("aws:123456789012:us-east-1:%s:x-1", [type]), "type": type, "native_id": "x-1", "tags": {}, "attributes": attrs}

statement(principal, condition) := object.union(
	{"sid": "s1", "effect": "Allow", "action": ["sqs:SendMessage"], "resource": ["*"], "principal": principal},
	condition,
)

with_policy(type, s) := resource(type, {"policy": {"version": "2012-10-17", "statements": [s]}})

test_queue_open_to_everyone_denied if {
	msgs := {d.msg | some d in exposure.deny} with input as {"resource": with_policy("sqs.queue", statement({"AWS": ["*"]}, {}))}
	msgs == {"sqs.queue x-1 has a resource policy that allows everyone (statement s1)"}
}

test_every_policy_type_checked if {
	every type in ["sns.topic", "kms.key", "ecr.repository", "lambda.function"] {
		count(exposure.deny) == 1 with input as {"resource": with_policy(type, statement({"AWS": ["*"]}, {}))}
	}
}

test_open_principal_with_condition_quiet if {
	cond := {"condition": {"StringEquals": {"aws:SourceAccount": ["123456789012"]}}}
	count(exposure.deny) == 0 with input as {"resource": with_policy("sns.topic", statement({"AWS": ["*"]}, cond))}
}

test_named_principal_quiet if {
	count(exposure.deny) == 0 with input as {"resource": with_policy("kms.key", statement({"AWS": ["arn:aws:iam::123456789012:root"]}, {}))}
}

test_deny_statement_quiet if {
	s := object.union(statement({"AWS": ["*"]}, {}), {"effect": "Deny"})
	count(exposure.deny) == 0 with input as {"resource": with_policy("ecr.repository", s)}
}

test_no_policy_quiet if {
	count(exposure.deny) == 0 with input as {"resource": resource("sqs.queue", {"fifo": false})}
}

test_public_function_url_denied if {
	some d in exposure.deny with input as {"resource": resource("lambda.function", {"function_url": {"url": "https://x.lambda-url.us-east-1.on.aws/", "auth_type": "NONE"}})}
	contains(d.msg, "auth type NONE")
}

test_iam_function_url_quiet if {
	count(exposure.deny) == 0 with input as {"resource": resource("lambda.function", {"function_url": {"url": "https://x.lambda-url.us-east-1.on.aws/", "auth_type": "AWS_IAM"}})}
}
