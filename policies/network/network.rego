# Network: load balancer listeners that serve plain HTTP instead of sending clients to HTTPS.
package elava.network

import rego.v1

r := input.resource

a := object.get(r, "attributes", {})

# A listener that answers plain HTTP is fine only when all it does is redirect to HTTPS.
redirects_to_https if {
	some action in object.get(a, "default_actions", [])
	action.type == "redirect"
	action.redirect.protocol == "HTTPS"
}

plain_http_listener if {
	r.type == "elbv2.listener"
	a.protocol == "HTTP"
	not redirects_to_https
}

# The reader copies the load balancer's scheme onto each listener: a policy sees one resource.
internet_facing if a.load_balancer_scheme == "internet-facing"

http_msg(where) := concat("", ["listener ", r.native_id, " on ", where, " load balancer serves plain HTTP (port ", format_int(object.get(a, "port", 0), 10), ") without redirecting to HTTPS"])

deny contains {"msg": http_msg("an internet-facing"), "suggestion": "make the listener's default action a redirect to HTTPS (status HTTP_301), and serve on an HTTPS listener"} if {
	plain_http_listener
	internet_facing
}

warn contains {"msg": http_msg("an internal"), "suggestion": "redirect to HTTPS, or accept plain HTTP inside the VPC knowingly"} if {
	plain_http_listener
	not internet_facing
}
