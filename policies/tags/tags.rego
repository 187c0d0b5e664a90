# Tagging: ownership and environment on what Elava manages, and the tags the configuration requires
# (`actions.tagging.required_tags`, passed as data.elava.config.required_tags).
package elava.tags

import rego.v1

tags := object.get(input.resource, "tags", {})

id := input.resource.id

managed if tags["elava:managed"] == "true"

# A type AWS cannot tag (an IAM group) is never asked for tags.
default untaggable_types := []

untaggable_types := data.elava.config.untaggable_types

taggable if not input.resource.type in untaggable_types

default required_tags := []

required_tags := data.elava.config.required_tags

warn contains {"msg": msg, "suggestion": "tag it elava:owner=<team or person>"} if {
	managed
	not tags["elava:owner"]
	msg := concat("", [id, " is managed by Elava but has no elava:owner tag"])
}

warn contains {"msg": msg, "suggestion": concat("", ["tag it ", key, "=<value>"])} if {
	taggable
	some key in required_tags
	not tags[key]
	msg := concat("", [id, " lacks the required tag ", key])
}

info contains {"msg": msg, "suggestion": "tag it environment=production|staging|dev"} if {
	managed
	not tags.environment
	msg := concat("", [id, " is managed but has no environment tag"])
}

# Untagged resources are the usual orphans: nobody can say whose they are.
info contains {"msg": msg, "suggestion": "tag it with an owner and an environment, or remove it"} if {
	taggable
	count(tags) == 0
	msg := concat("", [id, " has no tags at all"])
}
