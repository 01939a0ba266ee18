"""ACLs through kafka-python 2.0.2's admin client, over SASL/PLAIN.

usage: acls.py BOOTSTRAP USER PASSWORD create TYPE NAME PATTERN PRINCIPAL OPERATION PERMISSION
       acls.py BOOTSTRAP USER PASSWORD list
       acls.py BOOTSTRAP USER PASSWORD delete PRINCIPAL
Prints OK (and for list one "TYPE NAME PATTERN PRINCIPAL OPERATION PERMISSION" line
per ACL), or the error.
"""
import sys

from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType,
                         ACLResourcePatternType, KafkaAdminClient, ResourcePattern,
                         ResourcePatternFilter, ResourceType)


def main(argv):
    bootstrap, user, password, command = argv[1:5]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, security_protocol="SASL_PLAINTEXT",
                             sasl_mechanism="PLAIN", sasl_plain_username=user,
                             sasl_plain_password=password, client_id="warp-acls")
    if command == "create":
        rtype, name, pattern, principal, operation, permission = argv[5:11]
        result = admin.create_acls([ACL(
            principal=principal, host="*", operation=ACLOperation[operation],
            permission_type=ACLPermissionType[permission],
            resource_pattern=ResourcePattern(ResourceType[rtype], name,
                                             ACLResourcePatternType[pattern]))])
        if result["failed"]:
            print("FAILED", result["failed"])
            return 1
    elif command == "list":
        acls, error = admin.describe_acls(ACLFilter(
            principal=None, host="*", operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(ResourceType.ANY, None,
                                                   ACLResourcePatternType.ANY)))
        if error.errno != 0:
            print("FAILED", error)
            return 1
        for a in sorted(acls, key=lambda a: (a.resource_pattern.resource_name, a.principal)):
            p = a.resource_pattern
            print(p.resource_type.name, p.resource_name, p.pattern_type.name, a.principal,
                  a.operation.name, a.permission_type.name)
    elif command == "delete":
        principal = argv[5]
        results = admin.delete_acls([ACLFilter(
            principal=principal, host="*", operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(ResourceType.ANY, None,
                                                   ACLResourcePatternType.ANY))])
        for _, deleted, error in results:
            if error.errno != 0:
                print("FAILED", error)
                return 1
            print("deleted", len(deleted))
    admin.close()
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
