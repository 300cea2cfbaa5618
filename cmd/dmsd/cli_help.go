package main

import (
	"fmt"
	"io"
)

// subcommands are dmsd's subcommands as "dmsd help" lists them.
var subcommands = []struct{ name, summary string }{
	{"serve", "serve the API (the default with no subcommand); 'dmsd serve -h' lists its flags"},
	{"instances", "list, show, create, restart and delete instances"},
	{"tasks", "list, show, follow and delete an instance's background tasks"},
	{"scheduled", "list, move, cancel and delete an instance's scheduled tasks"},
	{"groups", "list, show, reset and delete an instance's consumer groups"},
	{"messages", "query and send an instance's messages"},
	{"load", "drive a running dmsd with a load of API calls"},
	{"bench", "measure the performance goals on this machine and print them as a table"},
	{"help", "print this list"},
}

// cliHelp prints every subcommand with what it does.
func cliHelp(w io.Writer) error {
	fmt.Fprintf(w, "Usage: dmsd [COMMAND] [flags] [arguments]\n\nCommands:\n")
	tw := cliTable(w)
	for _, c := range subcommands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nRun 'dmsd COMMAND -h' for a command's own commands and flags.\n")
	return err
}
