// Read a CSS cluster's VPC endpoint connections with the css-vpcep provider plugin.
// `pulumi package add ../..` generates the SDK `@pulumi-css-vpcep/css-vpcep` into ./sdks and adds it to package.json.
import * as pulumi from "@pulumi/pulumi";
import * as cssvpcep from "@pulumi-css-vpcep/css-vpcep";

const config = new pulumi.Config();
// The emulator's sample cluster unless `pulumi config set clusterId <id>` names another.
const clusterId = config.get("clusterId") ?? "4f3deec3-efa6-4ee3-a5b1-7a2bbd7d9e7a";

// A read-only resource: `pulumi preview` shows drift, `pulumi up` refreshes it, destroying it changes nothing.
const read = new cssvpcep.VpcepConnections("connections", { clusterId });

// The same read as a data source: no state, read again on every preview and update.
const current = cssvpcep.getVpcepConnectionsOutput({ clusterId });

// The outputs of ../yaml and ../go, under the same names.
export const resourceId = read.id;
export const totalCount = read.totalCount;
export const vpcServiceName = read.vpcServiceName;
export const connections = read.connections;
export const permissions = read.permissions;
export const invokedTotalCount = current.totalCount;
// What a consumer of the endpoint service uses.
export const acceptedEndpoints = read.connections.apply((all) =>
    all.filter((c) => c.status === "accepted").map((c) => ({ id: c.id, ip: c.vpcepIp, dns: c.vpcepDnsName })),
);
export const whitelist = current.permissions.apply((all) => all.map((p) => p.permission));
