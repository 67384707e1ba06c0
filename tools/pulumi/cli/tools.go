//go:build tools

// Package tools names the commands this module builds, so that `go mod tidy` keeps their requirements.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
