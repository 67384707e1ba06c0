//go:build tools

// Package tools names the command this module builds, so that `go mod tidy` keeps its requirements.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
