package elava.network_test

import rego.v1

import data.elava.network

listener(protocol, scheme, actions) := {
	"id": "aws:123456789012:us-east-1:elbv2.listener:app/web/50dc6c495c0c9188/f2f7dc8efc522ab2",
	"type": "elbv2.listener",
	"native_id": "app/web/50dc6c495c0c9188/f2f7dc8efc522ab2",
	"tags": {},
	"attributes": {
		"arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2",
		"load_balancer_scheme": scheme,
		"protocol": protocol,
		"port": 80,
		"alpn_policy": [],
		"certificates": [],
		"default_actions": actions,
		"rules": [],
	},
}

forward := [{"type": "forward", "order": 1, "target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067"}]

to_https := [{"type": "redirect", "order": 1, "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}]

test_plain_http_on_internet_facing_denied if {
	msgs := {d.msg | some d in network.deny} with input as {"resource": listener("HTTP", "internet-facing", forward)}
	msgs == {"listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2 on an internet-facing load balancer serves plain HTTP (port 80) without redirecting to HTTPS"}
	count(network.warn) == 0 with input as {"resource": listener("HTTP", "internet-facing", forward)}
}

test_plain_http_on_internal_warns if {
	some w in network.warn with input as {"resource": listener("HTTP", "internal", forward)}
	contains(w.msg, "an internal load balancer")
	count(network.deny) == 0 with input as {"resource": listener("HTTP", "internal", forward)}
}

test_redirect_to_https_is_quiet if {
	count(network.deny) == 0 with input as {"resource": listener("HTTP", "internet-facing", to_https)}
	count(network.warn) == 0 with input as {"resource": listener("HTTP", "internet-facing", to_https)}
}

test_redirect_elsewhere_over_http_denied if {
	keep := [{"type": "redirect", "order": 1, "redirect": {"protocol": "#{protocol}", "host": "example.com", "status_code": "HTTP_302"}}]
	count(network.deny) == 1 with input as {"resource": listener("HTTP", "internet-facing", keep)}
}

test_https_listener_is_quiet if {
	count(network.deny) == 0 with input as {"resource": listener("HTTPS", "internet-facing", forward)}
	count(network.warn) == 0 with input as {"resource": listener("HTTPS", "internet-facing", forward)}
}

test_other_types_are_quiet if {
	count(network.deny) == 0 with input as {"resource": {"type": "ec2.vpc", "native_id": "vpc-1", "tags": {}, "attributes": {"protocol": "HTTP"}}}
}
