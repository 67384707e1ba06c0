"""A Pulumi policy pack: ``css-vpcep audit``'s rules for every ``VpcepConnections`` of any program.

It checks each ``css-vpcep:index:VpcepConnections`` (the provider plugin, from any language) and each
Python ``VpcepConnections`` (a dynamic resource of type ``pulumi-python:dynamic/css-vpcep:VpcepConnections``)
once the stack's outputs are known: a connection from an account off the service's whitelist (or off
``allowDomains``), or pending acceptance longer than ``maxPending``, is a mandatory violation naming the
resource, the connection and the account. The rules are the package's (``pulumi_css_vpcep._audit``).
"""

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from pulumi_css_vpcep._audit import AUDITED_TYPES, as_plain, findings, policy_rules


def audit(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    rules = policy_rules(args.get_config())
    for resource in args.resources:
        if resource.resource_type not in AUDITED_TYPES:
            continue
        try:
            outputs = as_plain(resource.props)
        except UnknownValueError:
            continue  # a preview that creates a Python VpcepConnections does not know its outputs yet
        for finding in findings(outputs, **rules):
            report_violation(finding.line(), resource.urn)  # the CLI names the resource above it


PolicyPack(
    name="css-vpcep",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        StackValidationPolicy(
            name="vpcep-connections-audit",
            description="Each VPC endpoint connection comes from an account on the endpoint service's whitelist "
            "(or among allowDomains), and none is left pending acceptance longer than maxPending.",
            validate=audit,
            config_schema=PolicyConfigSchema(
                properties={
                    "allowDomains": {"type": "array", "items": {"type": "string"}},
                    "maxPending": {"type": "string"},
                },
            ),
        ),
    ],
)
