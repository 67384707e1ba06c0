// Read a CSS cluster's VPC endpoint connections with the css-vpcep provider plugin.
// `pulumi package add ../..` generates the SDK into ./sdks/css-vpcep and points go.mod at it.
package main

import (
	"github.com/pulumi-css-vpcep/pulumi-css-vpcep/sdk/go/cssvpcep"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// The emulator's sample cluster, unless `pulumi config set clusterId <id>` names another.
const sampleCluster = "4f3deec3-efa6-4ee3-a5b1-7a2bbd7d9e7a"

func main() {
	pulumi.Run(program)
}

// program declares the read and exports what it found; main_test.go runs it under mocks.
func program(ctx *pulumi.Context) error {
	clusterID := config.Get(ctx, "clusterId")
	if clusterID == "" {
		clusterID = sampleCluster
	}

	// A read-only resource: `pulumi preview` shows drift, `pulumi up` refreshes it, destroying it
	// changes nothing in the cloud.
	connections, err := cssvpcep.NewVpcepConnections(ctx, "connections", &cssvpcep.VpcepConnectionsArgs{
		ClusterId: pulumi.String(clusterID),
	})
	if err != nil {
		return err
	}

	// The same read as a data source: no state, read again on every preview and update.
	current := cssvpcep.LookupVpcepConnectionsOutput(ctx, cssvpcep.LookupVpcepConnectionsOutputArgs{
		ClusterId: pulumi.String(clusterID),
	})

	ctx.Export("resourceId", connections.ID())
	ctx.Export("totalCount", connections.TotalCount)
	ctx.Export("vpcServiceName", connections.VpcServiceName)
	ctx.Export("connections", connections.Connections)
	ctx.Export("permissions", connections.Permissions)
	ctx.Export("acceptedDnsNames", acceptedDNSNames(connections.Connections))
	ctx.Export("invokedTotalCount", current.TotalCount())
	return nil
}

// acceptedDNSNames is the private DNS name of each accepted connection that has one: what a consumer
// connects to. A field the service left empty is nil (Status, VpcepDnsName and the others are pointers).
func acceptedDNSNames(connections cssvpcep.ConnectionArrayOutput) pulumi.StringArrayOutput {
	return connections.ApplyT(func(all []cssvpcep.Connection) []string {
		names := []string{}
		for _, c := range all {
			if c.Status != nil && *c.Status == "accepted" && c.VpcepDnsName != nil {
				names = append(names, *c.VpcepDnsName)
			}
		}
		return names
	}).(pulumi.StringArrayOutput)
}
