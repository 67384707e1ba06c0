module example.com/css-vpcep-go

go 1.24

require github.com/pulumi/pulumi/sdk/v3 v3.274.1
