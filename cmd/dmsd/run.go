package main

import (
	"context"
	"io"
)

// run is the whole program. With no subcommand, or "serve", it serves the API;
// the other subcommands are the command-line client. It returns the error
// that makes the program exit non-zero.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "serve":
			return serve(ctx, args[1:], getenv, stdout, stderr)
		case "tasks":
			return cliTasks(ctx, args[1:], getenv, stdout, stderr)
		case "instances":
			return cliInstances(ctx, args[1:], getenv, stdout, stderr)
		case "scheduled":
			return cliScheduled(ctx, args[1:], getenv, stdout, stderr)
		case "messages":
			return cliMessages(ctx, args[1:], getenv, stdout, stderr)
		case "load":
			return cliLoad(ctx, args[1:], getenv, stdout, stderr)
		case "bench":
			return cliBench(ctx, args[1:], getenv, stdout, stderr)
		case "groups":
			return cliGroups(ctx, args[1:], getenv, stdout, stderr)
		case "help", "-h", "-help", "--help":
			return cliHelp(stdout)
		}
	}
	return serve(ctx, args, getenv, stdout, stderr)
}
