// The program under Pulumi's mocks: no engine, no plugin, no cloud. `go test` needs the SDK that
// `pulumi package add ../..` (or `pulumi install`) generated into ./sdks/css-vpcep.
package main

import (
	"sync"
	"testing"

	"github.com/pulumi-css-vpcep/pulumi-css-vpcep/sdk/go/cssvpcep"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// mocks answers as the plugin would: the token `css-vpcep:index:VpcepConnections`, camelCase outputs,
// and a field the service left empty (here the rejected connection's vpcepDnsName) left out, not null.
type mocks struct{}

func connectionsRead() resource.PropertyMap {
	connection := func(id, status, dnsName string) resource.PropertyValue {
		fields := resource.PropertyMap{"id": resource.NewProperty(id), "status": resource.NewProperty(status)}
		if dnsName != "" {
			fields["vpcepDnsName"] = resource.NewProperty(dnsName)
		}
		return resource.NewProperty(fields)
	}
	return resource.PropertyMap{
		"totalCount": resource.NewProperty(3.0),
		"connections": resource.NewProperty([]resource.PropertyValue{
			connection("ep-1", "accepted", "ep-1.vpcep.example"),
			connection("ep-2", "pendingAcceptance", "ep-2.vpcep.example"),
			connection("ep-3", "rejected", ""),
		}),
	}
}

func (mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.TypeToken != "css-vpcep:index:VpcepConnections" {
		return args.Name + "-id", args.Inputs, nil
	}
	outputs := connectionsRead()
	for key, value := range args.Inputs {
		outputs[key] = value
	}
	return "cn-north-4:project:" + args.Inputs["clusterId"].StringValue(), outputs, nil
}

func (mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if args.Token == "css-vpcep:index:getVpcepConnections" {
		return connectionsRead(), nil
	}
	return args.Args, nil
}

func TestTheProgramRunsUnderMocks(t *testing.T) {
	if err := pulumi.RunErr(program, pulumi.WithMocks("css-vpcep-go", "test", mocks{})); err != nil {
		t.Fatal(err)
	}
}

func TestOnlyAcceptedConnectionsWithADNSNameAreExported(t *testing.T) {
	var names []string
	var wait sync.WaitGroup
	wait.Add(1)
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		read, err := cssvpcep.NewVpcepConnections(ctx, "read", &cssvpcep.VpcepConnectionsArgs{
			ClusterId: pulumi.String(sampleCluster),
		})
		if err != nil {
			return err
		}
		acceptedDNSNames(read.Connections).ApplyT(func(found []string) error {
			names = found
			wait.Done()
			return nil
		})
		return nil
	}, pulumi.WithMocks("css-vpcep-go", "test", mocks{}))
	if err != nil {
		t.Fatal(err)
	}
	wait.Wait()
	if len(names) != 1 || names[0] != "ep-1.vpcep.example" {
		t.Fatalf("accepted DNS names: got %q, want [ep-1.vpcep.example]", names)
	}
}
