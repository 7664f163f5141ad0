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
	"strings"

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
		// The profiles COMPOSE_PROFILES names (as docker compose does), else "loadtest" (the k6
		// service), to check it as well. compose.test.ts loads the "scale" profile this way.
		cli.WithProfiles(profiles()),
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

func profiles() []string {
	if names := os.Getenv("COMPOSE_PROFILES"); names != "" {
		return strings.Split(names, ",")
	}
	return []string{"loadtest"}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-check:", err)
	os.Exit(1)
}
