// compose-check loads docker-compose.yml the way Docker Compose does (compose-go: the compose
// specification's JSON schema, interpolation from .env, merges and semantic checks) and prints
// the resolved project as JSON. It needs no Docker engine, so `npm test` can check the compose
// file on machines that cannot run it.
//
// Usage: compose-check <project dir>
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <project dir>")
		os.Exit(2)
	}
	dir, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions(
		[]string{filepath.Join(dir, "docker-compose.yml")},
		cli.WithWorkingDirectory(dir),
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithOsEnv,
		// The k6 service is under the "loadtest" profile; load it too, to check it as well.
		cli.WithProfiles([]string{"loadtest"}),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-check:", err)
	os.Exit(1)
}
